#include "node/events_api.hpp"

#include "node/api_response.hpp"

#include "node/peer/catalog_query.hpp"
#include "node/peer/event_stream_text.hpp"
#include "node/peer/json_text.hpp"

namespace shoal::node {

EventsApi::EventsApi(boost::asio::io_context& io, std::string peer, const EventLog& log)
    : blocking_(io, [peer, &log](const std::string& after) {
        // `after` is the key below: the decimal seq the client has seen.
        const auto answer = events_answer(log, std::stoull(after), peer);
        return BlockingApi::Current{{200, json_text(answer) + "\n"}, log.last_seq(), false};
      }),
      streams_(io, peer, log) {}

HttpResponse EventsApi::get(const HttpRequest& r) {
  const auto q = r.target.find('?');
  BlockingParams params;
  if (std::string e = parse_blocking_params(
          q == std::string::npos ? std::string_view() : std::string_view(r.target).substr(q + 1),
          params);
      !e.empty()) {
    return error_response(400, e);
  }
  if (wants_event_stream(r.accept))
    return streams_.open(r, stream_start(params.index, r.last_event_id));
  return blocking_.get(r, std::to_string(params.index.value_or(0)), params.index, params.wait);
}

}  // namespace shoal::node
