// The stream channel's framing (node/stream_frame.hpp): any split of a byte stream into reads
// yields the same frames; hostile lengths are refused at the header; memory follows the bytes
// that arrived, never the length announced.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "node/stream_frame.hpp"

using namespace shoal::node;
using shoal::gossip::Bytes;
using State = FrameReader::State;

namespace {

Bytes framed(const std::vector<std::string>& frames) {
  Bytes out;
  for (const auto& f : frames) {
    const auto h = frame_header(static_cast<std::uint32_t>(f.size()));
    out.insert(out.end(), h.begin(), h.end());
    for (char c : f) out.push_back(static_cast<std::byte>(c));
  }
  return out;
}

// Feeds `in` in reads of at most `step` bytes; the frames that came out, until a refusal.
struct Fed {
  std::vector<std::string> frames;
  bool refused = false;
  std::size_t most_room = 0;  // the largest body buffer seen
};
Fed feed(const Bytes& in, std::size_t step, std::size_t chunk, std::size_t limit) {
  Fed out;
  FrameReader r;
  std::size_t at = 0;
  while (at < in.size()) {
    auto buf = r.next(chunk);
    const std::size_t n = std::min({step, buf.size(), in.size() - at});
    std::memcpy(buf.data(), in.data() + at, n);
    at += n;
    out.most_room = std::max(out.most_room, r.frame().size());
    const State s = r.arrived(n, limit);
    if (s == State::refused) {
      out.refused = true;
      break;
    }
    if (s == State::ready) {
      const auto f = r.frame();
      out.frames.emplace_back(reinterpret_cast<const char*>(f.data()), f.size());
      r.reset(chunk);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("stream frame: every split into reads yields the same frames", "[node][stream]") {
  const std::vector<std::string> frames{"a", std::string(300, 'x'), "hello", std::string(70, 'y')};
  const Bytes in = framed(frames);
  for (std::size_t step : {1, 2, 3, 5, 7, 64, 1000}) {
    for (std::size_t chunk : {1, 16, 64, 4096}) {
      const Fed f = feed(in, step, chunk, 1000);
      CHECK_FALSE(f.refused);
      CHECK(f.frames == frames);
      CHECK(f.most_room <= 300);
    }
  }
}

TEST_CASE("stream frame: a zero or too long length is refused at the header", "[node][stream]") {
  CHECK(feed(framed({""}), 4, 64, 100).refused);
  CHECK(feed(framed({std::string(101, 'z')}), 4, 64, 100).refused);
  CHECK_FALSE(feed(framed({std::string(100, 'z')}), 4, 64, 100).refused);
  // The limit in force when the header completes decides (a connection's trust changes it).
  FrameReader r;
  const auto h = frame_header(0xFFFFFFFFu);
  auto buf = r.next(64);
  std::memcpy(buf.data(), h.data(), 2);
  CHECK(r.arrived(2, 16) == State::header);
  buf = r.next(64);
  REQUIRE(buf.size() == 2);
  std::memcpy(buf.data(), h.data() + 2, 2);
  CHECK(r.arrived(2, 16u << 20) == State::refused);
  CHECK(r.announced() == 0xFFFFFFFFu);
  CHECK(r.frame().empty());  // nothing was allocated for the announced length
}

TEST_CASE("stream frame: the buffer grows by the chunk asked, not by the length announced",
          "[node][stream]") {
  FrameReader r;
  const auto h = frame_header(1u << 20);
  auto buf = r.next(64);
  std::memcpy(buf.data(), h.data(), 4);
  REQUIRE(r.arrived(4, 16u << 20) == State::body);
  buf = r.next(64);
  CHECK(buf.size() == 64);
  CHECK(r.arrived(10, 16u << 20) == State::body);  // a short read: only what came is kept
  CHECK(r.frame().size() == 10);
  buf = r.next(64);
  CHECK(buf.size() == 64);
  CHECK(r.arrived(64, 16u << 20) == State::body);
  CHECK(r.frame().size() == 74);
  // A read of nothing (or a report of more than was asked) keeps the frame consistent.
  buf = r.next(64);
  CHECK(r.arrived(0, 16u << 20) == State::body);
  CHECK(r.frame().size() == 74);
  buf = r.next(8);
  CHECK(r.arrived(1000, 16u << 20) == State::body);
  CHECK(r.frame().size() == 82);
}

TEST_CASE("stream frame: after a large frame its buffer is released", "[node][stream]") {
  const Bytes in = framed({std::string(5000, 'L')});
  FrameReader r;
  std::size_t at = 0;
  while (r.state() != State::ready) {
    auto buf = r.next(1024);
    const std::size_t n = std::min(buf.size(), in.size() - at);
    std::memcpy(buf.data(), in.data() + at, n);
    at += n;
    REQUIRE(r.arrived(n, 10000) != State::refused);
  }
  CHECK(r.frame().size() == 5000);
  r.reset(1024);
  CHECK(r.state() == State::header);
  CHECK(r.frame().empty());
  CHECK(r.next(1024).size() == 4);
}
