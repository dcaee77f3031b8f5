// One line of an instance's log as `shoal logs` shows it (GET /v1/logs, DESIGN "CLI"): which
// instance, which peer runs it, when, which stream, and the text. Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace shoal::node {

constexpr std::size_t kMaxLogLineBytes = 16u << 10;  // a longer line is cut there

struct LogLine {
  std::int64_t ts_ms = 0;  // wall-clock ms; 0 when unknown
  std::string service;
  int index = 0;
  std::string peer;
  std::string stream;  // "stdout" | "stderr"
  std::string line;    // valid UTF-8 (safe_utf8), no trailing newline
};

// `s` cut to `max` bytes, each invalid UTF-8 sequence replaced by U+FFFD (so JSON can carry it).
std::string safe_utf8(std::string_view s, std::size_t max = kMaxLogLineBytes);

// {"ts","service","index","peer","stream","line"} (ts: "2026-12-07T05:20:00.123Z", or "-").
nlohmann::json to_json(const LogLine& l);
// "2026-12-07T05:20:00.123Z web/2 p1 stderr| text" (stdout lines omit the stream).
std::string log_text(const LogLine& l);
// Stable merge of several peers' answers into one order by time (lines without a time keep
// their place relative to their own source).
std::vector<LogLine> merge_by_time(std::vector<std::vector<LogLine>> sources);

}  // namespace shoal::node
