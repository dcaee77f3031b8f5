#include "node/logs_query.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "config/units.hpp"
#include "node/peer/query_string.hpp"

namespace shoal::node {

namespace {

std::optional<int> whole(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty() || v < lo || v > hi)
    return std::nullopt;
  return v;
}

}  // namespace

bool is_log_name(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      return false;
  return true;
}

std::size_t json_depth(std::string_view text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::optional<LogCursor> parse_peer_cursor(const nlohmann::json& j) {
  if (!j.is_object() || j.size() > kMaxCursorEntries) return std::nullopt;
  LogCursor out;
  for (const auto& [k, v] : j.items()) {
    if (k.empty() || k.size() > 300 || !v.is_string() || v.get_ref<const std::string&>().size() > 40)
      return std::nullopt;
    out[k] = v.get<std::string>();
  }
  return out;
}

std::optional<std::map<std::string, LogCursor>> parse_cursor(const nlohmann::json& j) {
  if (!j.is_object() || j.size() > kMaxCursorEntries) return std::nullopt;
  std::map<std::string, LogCursor> out;
  for (const auto& [peer, c] : j.items()) {
    auto pc = parse_peer_cursor(c);
    if (!is_log_name(peer) || !pc) return std::nullopt;
    out[peer] = std::move(*pc);
  }
  return out;
}

nlohmann::json cursor_json(const std::map<std::string, LogCursor>& c) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [peer, pc] : c) out[peer] = pc;
  return out;
}

LogsQueryParse parse_logs_query(std::string_view target) {
  LogsQueryParse r;
  auto fail = [&](std::string why) {
    r.error = std::move(why);
    return r;
  };
  const auto qm = target.find('?');
  std::string_view rest = qm == std::string_view::npos ? std::string_view() : target.substr(qm + 1);
  std::map<std::string, std::string> seen;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (kv.empty()) continue;
    const auto eq = kv.find('=');
    const std::string key(kv.substr(0, eq));
    if (key != "service" && key != "index" && key != "tail" && key != "since" && key != "peer" &&
        key != "cursor")
      return fail("unknown parameter `" + key.substr(0, 40) +
                  "` (known: service, index, tail, since, peer, cursor)");
    auto val = percent_decode(eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1), true);
    if (!val) return fail(key + ": bad percent-encoding");
    if (!seen.emplace(key, std::move(*val)).second) return fail(key + ": given twice");
  }
  LogsQuery q;
  if (!seen.count("service")) return fail("service: required (?service=NAME)");
  q.service = seen["service"];
  if (!is_log_name(q.service)) return fail("service: not a service name");
  if (seen.count("index")) {
    q.index = whole(seen["index"], 0, 1'000'000);
    if (!q.index) return fail("index: expected a whole number 0..1000000");
  }
  if (seen.count("tail")) {
    auto t = whole(seen["tail"], 1, kMaxLogTail);
    if (!t) return fail("tail: expected a whole number 1.." + std::to_string(kMaxLogTail));
    q.tail = *t;
  }
  if (seen.count("since")) {
    auto d = config::parse_duration(seen["since"]);
    if (!d.ok()) return fail("since: " + d.error + " (e.g. 10m, 1h30m)");
    if (*d.value <= 0 || *d.value > kMaxLogSinceMs) return fail("since: expected 1ms..720h");
    q.since_ms = *d.value;
  }
  if (seen.count("peer")) {
    q.peer = seen["peer"];
    if (!is_log_name(q.peer)) return fail("peer: not a peer name");
  }
  if (seen.count("cursor")) {
    const std::string& text = seen["cursor"];
    if (text.size() > kMaxCursorBytes || json_depth(text) > 2)
      return fail("cursor: too large or too deep");
    auto j = nlohmann::json::parse(text, nullptr, false);
    auto c = j.is_discarded() ? std::nullopt : parse_cursor(j);
    if (!c) return fail("cursor: not a cursor a previous answer gave");
    q.cursor = std::move(*c);
  }
  r.query = std::move(q);
  return r;
}

}  // namespace shoal::node
