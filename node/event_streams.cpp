#include "node/event_streams.hpp"

#include "node/asio.hpp"

#include <chrono>
#include <map>

#include "node/api_response.hpp"
#include "node/peer/event_stream_text.hpp"

namespace shoal::node {

namespace asio = boost::asio;

struct EventStreams::Impl : std::enable_shared_from_this<EventStreams::Impl> {
  Impl(asio::io_context& io, std::string peer, const EventLog& log)
      : peer(std::move(peer)), log(log), ping(io) {}

  struct Stream {
    std::shared_ptr<HttpHeld> held;
    std::uint64_t seen = 0;  // the last seq sent
  };

  std::string peer;
  const EventLog& log;
  asio::steady_timer ping;
  bool pinging = false;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, Stream> streams;

  // Sends `text` on stream `id`; drops it (the session closed it) when refused.
  void send(std::uint64_t id, std::shared_ptr<const std::string> text) {
    auto it = streams.find(id);
    if (it == streams.end()) return;
    if (!it->second.held->stream_send_shared(std::move(text))) streams.erase(it);
  }

  // The new events to every stream behind: formatted once, the bytes shared (sse_fanout).
  void push() {
    std::vector<std::uint64_t> behind, seen;
    for (const auto& [id, s] : streams)
      if (s.seen < log.last_seq()) {
        behind.push_back(id);
        seen.push_back(s.seen);
      }
    if (behind.empty()) return;
    SseFanout out = sse_fanout(log, seen, peer, HttpHeld::kStreamQueueBytes);
    for (auto id : behind) {
      auto it = streams.find(id);
      if (it == streams.end()) continue;
      auto text = out.text.at(it->second.seen);
      it->second.seen = out.last;
      send(id, std::move(text));
    }
  }

  void arm_ping() {
    if (pinging || streams.empty()) return;
    pinging = true;
    ping.expires_after(std::chrono::seconds(15));
    ping.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!self) return;
      self->pinging = false;
      if (ec) return;
      std::vector<std::uint64_t> ids;
      for (const auto& [id, s] : self->streams) ids.push_back(id);
      const auto ping = std::make_shared<const std::string>(": ping\n\n");
      for (auto id : ids) self->send(id, ping);
      self->arm_ping();
    });
  }
};

EventStreams::EventStreams(asio::io_context& io, std::string peer, const EventLog& log)
    : impl_(std::make_shared<Impl>(io, std::move(peer), log)) {}

EventStreams::~EventStreams() { close(); }

HttpResponse EventStreams::open(const HttpRequest& r, std::uint64_t after) {
  if (impl_->streams.size() >= kMaxStreams || !r.hold) {
    return error_response(503, "too many event streams open on this peer (" +
                                   std::to_string(kMaxStreams) +
                                   "): poll GET /v1/events?index=N instead");
  }
  // Past the newest: a Last-Event-ID of this peer's previous run. Replay this run's ring.
  if (after > impl_->log.last_seq()) after = 0;
  auto held = r.hold();
  const std::uint64_t id = impl_->next_id++;
  held->on_gone([weak = std::weak_ptr<Impl>(impl_), id] {
    if (auto self = weak.lock()) self->streams.erase(id);
  });
  HttpResponse head{200, "", "text/event-stream; charset=utf-8",
                    {{"Cache-Control", "no-store"}, {"X-Accel-Buffering", "no"}}};
  held->stream_begin(std::move(head));
  auto batch = sse_frames(impl_->log, after, impl_->peer, kStreamReplayBytes);
  // `retry`: how long a browser waits before it reconnects after a drop.
  impl_->streams[id] = {held, batch.last};
  impl_->send(id, std::make_shared<const std::string>("retry: 2000\n\n" + batch.text));
  impl_->arm_ping();
  return {};
}

void EventStreams::maybe_changed() { impl_->push(); }

void EventStreams::close() {
  impl_->ping.cancel();
  impl_->streams.clear();
}

std::size_t EventStreams::open_count() const { return impl_->streams.size(); }

}  // namespace shoal::node
