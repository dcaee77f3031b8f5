#include "node/peer/event_stream_text.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "node/peer/json_text.hpp"

namespace shoal::node {

std::string sse_frame(const PeerEvent& e, const std::string& seen_by) {
  nlohmann::json j = event_json(e);
  j["seen_by"] = seen_by;
  return "id: " + std::to_string(e.seq) + "\ndata: " + json_text(j) + "\n\n";
}

SseBatch sse_frames(const EventLog& log, std::uint64_t after, const std::string& seen_by,
                    std::size_t max_bytes) {
  SseBatch b;
  b.last = std::max(after, log.last_seq());
  const auto events = log.after(after);
  // Newest first until the budget is spent, then put back in order.
  std::vector<std::string> frames;
  std::size_t bytes = 0;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    std::string f = sse_frame(*it, seen_by);
    if (bytes + f.size() > max_bytes) break;
    bytes += f.size();
    frames.push_back(std::move(f));
  }
  b.skipped = events.size() - frames.size();
  b.text.reserve(bytes);
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) b.text += *it;
  return b;
}

bool wants_event_stream(std::string_view accept) {
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    range = range.substr(0, range.find(';'));
    std::string t;
    for (char c : range)
      if (std::isspace(static_cast<unsigned char>(c)) == 0)
        t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (t == "text/event-stream") return true;
  }
  return false;
}

std::uint64_t stream_start(std::optional<std::uint64_t> index, std::string_view last_event_id) {
  if (index) return *index;
  if (last_event_id.empty() || last_event_id.size() > 19) return 0;
  std::uint64_t v = 0;
  for (char c : last_event_id) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

}  // namespace shoal::node
