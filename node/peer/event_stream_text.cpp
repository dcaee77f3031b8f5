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

SseFanout sse_fanout(const EventLog& log, const std::vector<std::uint64_t>& seen,
                     const std::string& seen_by, std::size_t max_bytes) {
  SseFanout out;
  out.last = log.last_seq();
  if (seen.empty()) return out;
  const std::uint64_t oldest = *std::min_element(seen.begin(), seen.end());
  const auto events = log.after(oldest);
  // Newest first, each formatted once, until no stream could take an older one (the budget).
  std::vector<std::string> frames;  // frames[i]: events[events.size() - 1 - i]
  std::size_t bytes = 0;
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    frames.push_back(sse_frame(*it, seen_by));
    ++out.formatted;
    bytes += frames.back().size();
    if (bytes > max_bytes) break;
  }
  for (std::uint64_t after : seen) {
    if (out.text.count(after)) continue;
    // The newest frames after `after` that fit in max_bytes, put back in order.
    std::size_t n = 0, size = 0;
    while (n < frames.size() && events[events.size() - 1 - n].seq > after &&
           size + frames[n].size() <= max_bytes)
      size += frames[n++].size();
    std::string text;
    text.reserve(size);
    for (std::size_t i = n; i-- > 0;) text += frames[i];
    out.text[after] = std::make_shared<const std::string>(std::move(text));
  }
  return out;
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
