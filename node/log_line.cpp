#include "node/log_line.hpp"

#include <algorithm>

#include "config/utf8.hpp"
#include "node/peer/event_log.hpp"

namespace shoal::node {

std::string safe_utf8(std::string_view s, std::size_t max) {
  return config::replace_invalid_utf8(s, "\xEF\xBF\xBD", max);  // U+FFFD
}

nlohmann::json to_json(const LogLine& l) {
  return {{"ts", l.ts_ms > 0 ? utc_timestamp(l.ts_ms) : std::string("-")},
          {"service", l.service},
          {"index", l.index},
          {"peer", l.peer},
          {"stream", l.stream},
          {"line", l.line}};
}

std::string log_text(const LogLine& l) {
  std::string out = l.ts_ms > 0 ? utc_timestamp(l.ts_ms) : std::string("-");
  out += " " + l.service + "/" + std::to_string(l.index) + " " + l.peer;
  if (l.stream != "stdout") out += " " + l.stream;
  out += "| " + l.line;
  return out;
}

std::vector<LogLine> merge_by_time(std::vector<std::vector<LogLine>> sources) {
  std::vector<LogLine> out;
  for (auto& s : sources) {
    // Each source is in its own order already; a timeless line takes its predecessor's time.
    std::int64_t last = 0;
    for (auto& l : s) {
      if (l.ts_ms <= 0) l.ts_ms = -last;  // negative: borrowed (printed as its source's time)
      else last = l.ts_ms;
    }
    std::move(s.begin(), s.end(), std::back_inserter(out));
  }
  std::stable_sort(out.begin(), out.end(), [](const LogLine& a, const LogLine& b) {
    return std::abs(a.ts_ms) < std::abs(b.ts_ms);
  });
  for (auto& l : out)
    if (l.ts_ms < 0) l.ts_ms = 0;
  return out;
}

}  // namespace shoal::node
