#include "node/cli_events.hpp"

#include <csignal>
#include <ostream>
#include <unistd.h>

#include "node/peer/json_text.hpp"

namespace shoal::node {

namespace {

using Json = nlohmann::json;

// How long a follow query is held at most, and the client's bound on it.
constexpr const char* kFollowWait = "60s";
constexpr int kFollowTimeoutMs = 75000;

// An unsigned member of the answer, 0 when absent or of another type.
std::uint64_t field(const Json& answer, const char* key) {
  if (!answer.is_object() || !answer.contains(key) || !answer[key].is_number_unsigned()) return 0;
  return answer[key].get<std::uint64_t>();
}

// Prints `answer`'s events; returns its index (the newest seq).
std::uint64_t print(const Json& answer, bool json, std::ostream& out) {
  const Json events = answer.is_object() && answer.contains("events") && answer["events"].is_array()
                          ? answer["events"]
                          : Json::array();
  const Json seen_by = answer.is_object() ? answer.value("seen_by", Json()) : Json();
  for (Json e : events) {
    if (json) {
      if (e.is_object()) e["seen_by"] = seen_by;
      out << json_text(e) << "\n";
    } else {
      out << event_line(e) << "\n";
    }
  }
  out << std::flush;
  return field(answer, "index");
}

}  // namespace

std::string event_line(const Json& e) {
  auto text = [&](const char* key) {
    const Json v = e.is_object() ? e.value(key, Json()) : Json();
    return v.is_string() ? v.get<std::string>() : std::string();
  };
  auto cell = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
  std::string line = cell(text("ts")) + "  " + cell(text("kind")) + "  " + cell(text("peer"));
  const std::string service = text("service");
  if (!service.empty()) {
    const Json index = e.value("index", Json());
    line += "  " + service;
    if (index.is_number_integer()) line += "/" + std::to_string(index.get<std::int64_t>());
  }
  if (const std::string reason = text("reason"); !reason.empty()) line += "  " + reason;
  return line;
}

int cmd_events(const ApiTarget& api, bool follow, bool json, std::ostream& out,
               std::ostream& err) {
  auto j = api_call(api, "GET", "/v1/events", "", err, "events");
  if (!j) return 1;
  std::uint64_t index = print(*j, json, out);
  // Ctrl-C ends a follow as asked, not as a failure: exit 0 (all output is flushed already).
  if (follow) ::signal(SIGINT, [](int) { ::_exit(0); });
  while (follow) {
    j = api_call(api, "GET", "/v1/events?index=" + std::to_string(index) + "&wait=" + kFollowWait,
                 "", err, "events", kFollowTimeoutMs);
    if (!j) return 1;
    const std::uint64_t newest = field(*j, "index");
    if (newest < index) {  // the peer restarted: its log and its numbers begin again
      err << "shoal events: the peer restarted; its events from the start follow\n";
      index = 0;
      continue;
    }
    // Events dropped from the peer's ring while we were away are said, not hidden.
    if (const std::uint64_t oldest = field(*j, "oldest"); oldest > index + 1)
      err << "shoal events: " << (oldest - index - 1)
          << " event(s) were dropped from the peer's log before they could be read\n";
    index = print(*j, json, out);
  }
  return 0;
}

}  // namespace shoal::node
