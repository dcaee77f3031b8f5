// GET /v1/events with `Accept: text/event-stream`: the peer's event log as server-sent events
// (node/peer/event_stream_text.hpp), live. At most kMaxStreams at once per peer (past that a
// 503: the rest of the API's 64 connections stay for other calls); each open stream counts
// among its listener's connections. A stream that opens replays the newest events after its
// start (?index=N or Last-Event-ID) within kStreamReplayBytes; then each recorded event is sent
// as it comes (maybe_changed), and a comment every 15 s keeps idle proxies and dead clients in
// check. A reader that lets more than HttpHeld::kStreamQueueBytes pile up is dropped (its
// EventSource reconnects with Last-Event-ID), so memory stays bounded whatever the reader does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "node/http.hpp"
#include "node/peer/event_log.hpp"

namespace shoal::node {

class EventStreams {
 public:
  static constexpr std::size_t kMaxStreams = 16;

  EventStreams(boost::asio::io_context& io, std::string peer, const EventLog& log);
  ~EventStreams();
  EventStreams(const EventStreams&) = delete;
  EventStreams& operator=(const EventStreams&) = delete;

  // Holds `r` as a stream starting after seq `after`, or answers 503 when kMaxStreams are open.
  HttpResponse open(const HttpRequest& r, std::uint64_t after);
  // Sends what the log recorded since (cheap when nothing was).
  void maybe_changed();
  void close();  // ends every stream (shutdown)
  std::size_t open_count() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace shoal::node
