// Any bytes into Engine::handle_packet, on either channel (the first byte picks), then
// a tick: the whole wire format behind the seal (ping, ack, alive, suspect, dead, push-pull,
// state deltas and syncs, compound packets).
#include <memory>

#include "gossip/engine.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace shoal::gossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Micros now = 0;
  static std::unique_ptr<Engine> engine;
  static std::uint64_t calls = 0;
  if (!engine || ++calls % 10000 == 0) {  // a fresh engine now and then: state stays small
    engine = std::make_unique<Engine>(Identity{"p1", Address{"10.0.0.2", 7950}, 0, {}},
                                      *Config::for_profile("lan"), 1);
    Outbox out;
    Address seeds[] = {Address{"10.0.0.1", 7950}};
    engine->join(Clock{now, now}, seeds, out);
  }
  now += 1000;
  Outbox out;
  const auto in = shoal::fuzz::split(data, size);
  const Channel ch = in.second ? Channel::stream : Channel::udp;
  engine->handle_packet(Clock{now, now}, Address{"10.0.0.1", 7950}, ch,
                        shoal::fuzz::bytes(in.data, in.size), out);
  engine->handle_tick(Clock{now, now}, out);
  return 0;
}
