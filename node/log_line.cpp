#include "node/log_line.hpp"

#include <algorithm>

#include "node/peer/event_log.hpp"

namespace shoal::node {

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when invalid (overlong, surrogate, > U+10FFFF,
// truncated).
std::size_t utf8_len(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(1) < lo || b(1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  return n;
}

}  // namespace

std::string safe_utf8(std::string_view s, std::size_t max) {
  if (s.size() > max) s = s.substr(0, max);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_len(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
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
