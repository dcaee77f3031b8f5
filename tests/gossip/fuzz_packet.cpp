// libFuzzer target: any bytes into Engine::handle_packet. Built only with -DSHOAL_FUZZ=ON and
// clang (see CMakeLists.txt): cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DSHOAL_FUZZ=ON
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "gossip/engine.hpp"

using namespace shoal::gossip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Micros now = 0;
  static std::unique_ptr<Engine> engine;
  static std::uint64_t calls = 0;
  if (!engine || ++calls % 10000 == 0) {
    engine = std::make_unique<Engine>(Identity{"p1", Address{"10.0.0.2", 7950}, 0, {}},
                                      *Config::for_profile("lan"), 1);
    Outbox out;
    Address seeds[] = {Address{"10.0.0.1", 7950}};
    engine->join(Clock{now, now}, seeds, out);
  }
  now += 1000;
  Outbox out;
  const Channel ch = size > 0 && (data[0] & 1) ? Channel::stream : Channel::udp;
  engine->handle_packet(Clock{now, now}, Address{"10.0.0.1", 7950}, ch,
                        std::span(reinterpret_cast<const std::byte*>(data), size), out);
  engine->handle_tick(Clock{now, now}, out);
  return 0;
}
