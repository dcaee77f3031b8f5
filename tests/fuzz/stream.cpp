// Any bytes as what arrives on one connection of the stream channel: the frame reader of
// node/stream_frame.hpp (length-prefixed frames, in reads whose sizes the first byte picks),
// then each frame as the agent dispatches an opened plaintext (node/agent.cpp deliver): a logs
// frame (node/logs_wire.hpp; a decoded one is encoded again and must decode to the same), else
// gossip's stream messages (push-pull, syncs) into an engine. A frame nobody accepts closes
// the connection; one accepted makes it trusted, which raises the frame limit - as in
// node/stream_transport.cpp. The seal is left out: tests/fuzz/sealed.cpp fuzzes its opening.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "gossip/engine.hpp"
#include "node/logs_wire.hpp"
#include "node/stream_frame.hpp"
#include "tests/fuzz/fuzz.hpp"

using namespace shoal;
using namespace shoal::gossip;

namespace {

// Small limits, so that refusals and chunked bodies are a few bytes away.
constexpr std::size_t kUntrusted = 512, kTrusted = 8192, kChunk = 64;

bool same(const node::LogsRequest& a, const node::LogsRequest& b) {
  return a.id == b.id && a.service == b.service && a.index == b.index && a.tail == b.tail &&
         a.since_ms == b.since_ms && a.cursor == b.cursor;
}

bool logs_frame(std::span<const std::byte> plain) {
  const node::LogsFrame f = node::decode_logs_frame(plain);
  if (f.request) {
    const node::LogsFrame again = node::decode_logs_frame(node::encode_logs_request(*f.request));
    if (!again.request || !same(*again.request, *f.request)) std::abort();
    return true;
  }
  if (f.response) {
    const node::LogsFrame again = node::decode_logs_frame(node::encode_logs_response(*f.response));
    if (!again.response || again.response->id != f.response->id ||
        again.response->lines.size() > f.response->lines.size())
      std::abort();
    return true;
  }
  return false;
}

}  // namespace

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
  if (size == 0) return 0;
  // First byte: bit 0, an outbound connection (trusted from the start); the rest, the size of
  // every read (0: as much as the reader asks).
  bool trusted = (data[0] & 1) != 0;
  const std::size_t step = data[0] >> 1;
  const auto in = fuzz::bytes(data + 1, size - 1);
  node::FrameReader reader;
  for (std::size_t at = 0; at < in.size();) {
    auto buf = reader.next(kChunk);
    const std::size_t n = std::min({step == 0 ? buf.size() : step, buf.size(), in.size() - at});
    std::memcpy(buf.data(), in.data() + at, n);
    at += n;
    const auto state = reader.arrived(n, trusted ? kTrusted : kUntrusted);
    if (state == node::FrameReader::State::refused) break;
    if (state != node::FrameReader::State::ready) continue;
    const auto plain = reader.frame();
    bool ok;
    if (node::is_logs_frame(plain)) {
      ok = logs_frame(plain);
    } else {
      now += 1000;
      const auto before = engine->stats().packets_malformed;
      Outbox out;
      engine->handle_packet(Clock{now, now}, Address{"10.0.0.1", 7950}, Channel::stream, plain,
                            out);
      ok = engine->stats().packets_malformed == before;
    }
    if (!ok) break;  // the connection closes
    trusted = true;
    reader.reset(kChunk);
  }
  return 0;
}
