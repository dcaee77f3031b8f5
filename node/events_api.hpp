// GET /v1/events[?index=N&wait=D]: this peer's event log (node/peer/event_log.hpp) after seq N
// (all of it without `index`), with X-Shoal-Index = the newest seq; a query whose `index` is
// the newest is held until an event arrives or `wait` passes (node/blocking_api.hpp), which is
// how `shoal events -f` follows. With `Accept: text/event-stream` the same GET is a stream of
// server-sent events instead (node/event_streams.hpp), which the dashboard (/ui/) follows.
// The agent calls maybe_changed() after recording.
#pragma once

#include <memory>
#include <string>

#include "node/blocking_api.hpp"
#include "node/event_streams.hpp"
#include "node/peer/event_log.hpp"

namespace shoal::node {

class EventsApi {
 public:
  EventsApi(boost::asio::io_context& io, std::string peer, const EventLog& log);

  HttpResponse get(const HttpRequest& r);
  void maybe_changed() {
    blocking_.maybe_changed();
    streams_.maybe_changed();
  }
  void close() {
    blocking_.close();
    streams_.close();
  }
  // Held queries and open streams.
  std::size_t held() const { return blocking_.held() + streams_.open_count(); }

 private:
  BlockingApi blocking_;
  EventStreams streams_;
};

}  // namespace shoal::node
