#include "node/logs_wire.hpp"

#include <cstring>

#include <nlohmann/json.hpp>

#include "node/peer/json_text.hpp"

namespace shoal::node {

namespace {

using Json = nlohmann::json;

enum Kind : std::uint8_t { kRequest = 1, kResponse = 2 };

gossip::Bytes frame(Kind kind, std::uint32_t id, const std::string& body) {
  gossip::Bytes out;
  out.reserve(kLogsHeaderBytes + body.size());
  out.push_back(kLogsMagic);
  out.push_back(std::byte{kLogsWireVersion});
  out.push_back(std::byte{kind});
  for (int shift : {24, 16, 8, 0}) out.push_back(std::byte{static_cast<std::uint8_t>(id >> shift)});
  const auto* p = reinterpret_cast<const std::byte*>(body.data());
  out.insert(out.end(), p, p + body.size());
  return out;
}

bool is_int(const Json& j, const char* key, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return false;
  out = it->get<std::int64_t>();
  return out >= lo && out <= hi;
}

bool is_text(const Json& j, const char* key, std::size_t max, std::string& out) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().size() > max)
    return false;
  out = it->get<std::string>();
  return true;
}

LogsFrame refuse(std::string why) {
  LogsFrame f;
  f.error = std::move(why);
  return f;
}

std::optional<LogsRequest> request_from(const Json& j, std::uint32_t id) {
  LogsRequest r;
  r.id = id;
  std::int64_t index = 0, tail = 0;
  if (!j.is_object() || !is_text(j, "service", 255, r.service) || !is_log_name(r.service) ||
      !is_int(j, "index", -1, 1'000'000, index) || !is_int(j, "tail", 1, kMaxLogTail, tail) ||
      !is_int(j, "since_ms", 0, kMaxLogSinceMs, r.since_ms))
    return std::nullopt;
  if (index >= 0) r.index = static_cast<int>(index);
  r.tail = static_cast<int>(tail);
  auto c = j.find("cursor");
  if (c != j.end()) {
    auto pc = parse_peer_cursor(*c);
    if (!pc) return std::nullopt;
    r.cursor = std::move(*pc);
  }
  return r;
}

std::optional<LogsResponse> response_from(const Json& j, std::uint32_t id) {
  LogsResponse r;
  r.id = id;
  if (!j.is_object()) return std::nullopt;
  auto lines = j.find("lines");
  if (lines == j.end() || !lines->is_array()) return std::nullopt;
  for (const auto& l : *lines) {
    LogLine line;
    std::int64_t index = 0;
    if (!l.is_object() || !is_int(l, "t", 0, INT64_MAX, line.ts_ms) ||
        !is_int(l, "i", 0, 1'000'000, index) || !is_text(l, "s", 6, line.stream) ||
        (line.stream != "stdout" && line.stream != "stderr") ||
        !is_text(l, "l", kMaxLogLineBytes * 3, line.line))
      return std::nullopt;
    line.index = static_cast<int>(index);
    r.lines.push_back(std::move(line));
  }
  if (auto c = j.find("cursor"); c != j.end()) {
    auto pc = parse_peer_cursor(*c);
    if (!pc) return std::nullopt;
    r.cursor = std::move(*pc);
  }
  if (j.contains("error") && !is_text(j, "error", 1024, r.error)) return std::nullopt;
  std::int64_t dropped = 0;
  if (j.contains("dropped")) {
    if (!is_int(j, "dropped", 0, INT64_MAX, dropped)) return std::nullopt;
    r.dropped = static_cast<std::uint64_t>(dropped);
  }
  return r;
}

}  // namespace

bool is_logs_frame(std::span<const std::byte> plain) {
  return !plain.empty() && plain[0] == kLogsMagic;
}

gossip::Bytes encode_logs_request(const LogsRequest& r) {
  Json j{{"service", r.service},
         {"index", r.index ? *r.index : -1},
         {"tail", r.tail},
         {"since_ms", r.since_ms},
         {"cursor", r.cursor}};
  return frame(kRequest, r.id, json_text(j));
}

gossip::Bytes encode_logs_response(const LogsResponse& r) {
  Json head{{"cursor", r.cursor}, {"error", safe_utf8(r.error, 1024)}};
  std::size_t budget = kMaxLogsResponseBytes - 64 - json_text(head).size();
  // Newest lines first into the budget; what does not fit is dropped (the oldest).
  std::vector<std::string> kept;
  std::size_t i = r.lines.size();
  for (; i > 0; --i) {
    const LogLine& l = r.lines[i - 1];
    std::string one = json_text(Json{{"t", std::max<std::int64_t>(l.ts_ms, 0)},
                                     {"i", l.index},
                                     {"s", l.stream},
                                     {"l", safe_utf8(l.line)}});
    if (one.size() + 1 > budget) break;
    budget -= one.size() + 1;
    kept.push_back(std::move(one));
  }
  std::string lines = "[";
  for (auto it = kept.rbegin(); it != kept.rend(); ++it) {
    if (lines.size() > 1) lines += ",";
    lines += *it;
  }
  lines += "]";
  head["dropped"] = r.dropped + i;
  std::string body = json_text(head);
  body.pop_back();  // "}": the lines go in as already-serialised text
  body += ",\"lines\":" + lines + "}";
  return frame(kResponse, r.id, body);
}

LogsFrame decode_logs_frame(std::span<const std::byte> plain) {
  if (plain.size() < kLogsHeaderBytes || plain[0] != kLogsMagic)
    return refuse("not a logs frame (short or wrong magic)");
  if (plain[1] != std::byte{kLogsWireVersion})
    return refuse("logs frame version " + std::to_string(static_cast<int>(plain[1])) +
                  " (this peer speaks 1)");
  const auto kind = static_cast<std::uint8_t>(plain[2]);
  if (kind != kRequest && kind != kResponse) return refuse("unknown logs frame kind");
  std::uint32_t id = 0;
  for (int i = 3; i < 7; ++i) id = (id << 8) | static_cast<std::uint8_t>(plain[i]);
  const std::string_view body(reinterpret_cast<const char*>(plain.data()) + kLogsHeaderBytes,
                              plain.size() - kLogsHeaderBytes);
  const std::size_t max = kind == kRequest ? kMaxLogsRequestBytes : kMaxLogsResponseBytes;
  if (body.size() > max) return refuse("logs frame body over " + std::to_string(max) + " bytes");
  if (json_depth(body) > kMaxLogsJsonDepth) return refuse("logs frame JSON too deep");
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) return refuse("logs frame body is not JSON");
  LogsFrame f;
  if (kind == kRequest) f.request = request_from(j, id);
  else f.response = response_from(j, id);
  if (!f.request && !f.response) f.error = "logs frame body does not hold the expected fields";
  return f;
}

}  // namespace shoal::node
