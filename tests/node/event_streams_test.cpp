// Open /v1/events streams (node/event_streams.hpp) given new events: every stream gets the
// same bytes, one shared buffer, not a copy formatted per stream.
#define BOOST_ASIO_NO_DEPRECATED  // as shoal_node is built (one Asio configuration a program)
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "node/asio.hpp"
#include "node/event_streams.hpp"
#include "node/peer/event_stream_text.hpp"

using namespace shoal::node;

namespace {

// A held request that keeps what it was sent.
struct FakeHeld : HttpHeld {
  std::vector<std::shared_ptr<const std::string>> chunks;
  bool began = false;
  void answer(HttpResponse) override {}
  void on_gone(std::function<void()>) override {}
  void stream_begin(HttpResponse) override { began = true; }
  bool stream_send_shared(std::shared_ptr<const std::string> chunk) override {
    chunks.push_back(std::move(chunk));
    return true;
  }
};

}  // namespace

TEST_CASE("event streams: new events go to every stream as one shared buffer",
          "[node][events][sse]") {
  boost::asio::io_context io;
  EventLog log;
  log.record(PeerEvent{0, 1'700'000'000'000, "member.alive", "p1", "", -1, ""});
  EventStreams streams(io, "p0", log);
  std::vector<std::shared_ptr<FakeHeld>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_shared<FakeHeld>());
    HttpRequest r;
    r.hold = [h = held.back()] { return std::static_pointer_cast<HttpHeld>(h); };
    streams.open(r, 0);
    REQUIRE(held.back()->began);
    REQUIRE(held.back()->chunks.size() == 1);  // retry and the replay
  }
  CHECK(streams.open_count() == 3);
  for (int i = 2; i <= 4; ++i)
    log.record(PeerEvent{0, 1'700'000'000'000 + i, "member.alive", "p" + std::to_string(i), "", -1, ""});
  streams.maybe_changed();
  for (const auto& h : held) {
    REQUIRE(h->chunks.size() == 2);
    CHECK(h->chunks[1].get() == held[0]->chunks[1].get());  // the same bytes, not a copy
  }
  CHECK(*held[0]->chunks[1] == sse_frames(log, 1, "p0", HttpHeld::kStreamQueueBytes).text);
  streams.maybe_changed();  // nothing new: nothing sent
  CHECK(held[0]->chunks.size() == 2);
  streams.close();
}
