// What `shoal logs` asks (GET /v1/logs?service=S[&index=N][&tail=N][&since=D][&peer=P]
// [&cursor=C]) and what one peer is asked over the stream channel (node/logs_wire.hpp),
// parsed strictly: an unknown or repeated parameter, a bad name or number is refused with
// the reason. Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace shoal::node {

constexpr int kDefaultLogTail = 100;
constexpr int kMaxLogTail = 10000;
constexpr std::int64_t kMaxLogSinceMs = 30LL * 86'400'000;  // 30 days
constexpr std::size_t kMaxCursorEntries = 64;
constexpr std::size_t kMaxCursorBytes = 8192;

// Where a follow left off, per log source ("svc/idx/stdout" of one peer): an opaque position
// (process files: "<inode>.<offset>"; docker: the last line's time in ns).
using LogCursor = std::map<std::string, std::string>;

struct LogsQuery {
  std::string service;
  std::optional<int> index;       // all the service's instances when absent
  int tail = kDefaultLogTail;     // at most this many lines per instance (1..kMaxLogTail)
  std::int64_t since_ms = 0;      // lines of the last since_ms only (0: no bound)
  std::string peer;               // ask only this peer (empty: every owner)
  std::map<std::string, LogCursor> cursor;  // by peer: lines after these positions only
};

struct LogsQueryParse {
  std::optional<LogsQuery> query;
  std::string error;
};

LogsQueryParse parse_logs_query(std::string_view target);
// A service or peer name as logs take it: 1..255 of [A-Za-z0-9._-] (no `/`: it names files).
bool is_log_name(std::string_view s);
// The cursor as the API returns it and takes it back: {"peer": {"source": "position"}}.
nlohmann::json cursor_json(const std::map<std::string, LogCursor>& c);
// Strict: an object of objects of strings, within the bounds above; else nullopt.
std::optional<std::map<std::string, LogCursor>> parse_cursor(const nlohmann::json& j);
std::optional<LogCursor> parse_peer_cursor(const nlohmann::json& j);
// The deepest nesting of [ and { in JSON text (strings skipped): checked before parsing hostile
// JSON, so a deep document cannot exhaust the stack.
std::size_t json_depth(std::string_view text);

}  // namespace shoal::node
