#include "node/cli_logs.hpp"

#include <charconv>
#include <chrono>
#include <csignal>
#include <ostream>
#include <thread>
#include <unistd.h>

#include "node/log_line.hpp"
#include "node/logs_query.hpp"
#include "node/peer/json_text.hpp"
#include "node/peer/query_string.hpp"

namespace shoal::node {

namespace {

using Json = nlohmann::json;

std::string text_of(const Json& l, const char* key) {
  auto it = l.find(key);
  return it != l.end() && it->is_string() ? it->get<std::string>() : std::string("-");
}

}  // namespace

std::optional<std::string> logs_target(const LogsOptions& o, const Json& cursor,
                                       std::string& error) {
  std::string service = o.what, index;
  if (auto slash = o.what.find('/'); slash != std::string::npos) {
    service = o.what.substr(0, slash);
    index = o.what.substr(slash + 1);
    int n = -1;
    auto [p, ec] = std::from_chars(index.data(), index.data() + index.size(), n);
    if (index.empty() || ec != std::errc() || p != index.data() + index.size() || n < 0) {
      error = "expected SERVICE or SERVICE/INDEX, got `" + o.what + "`";
      return std::nullopt;
    }
  }
  if (service.empty()) {
    error = "expected SERVICE or SERVICE/INDEX, got `" + o.what + "`";
    return std::nullopt;
  }
  if (o.tail < 1 || o.tail > kMaxLogTail) {
    error = "--tail: expected 1.." + std::to_string(kMaxLogTail);
    return std::nullopt;
  }
  std::string t = "/v1/logs?service=" + percent_encode(service);
  if (!index.empty()) t += "&index=" + index;
  t += "&tail=" + std::to_string(cursor.is_object() ? kMaxLogTail : o.tail);
  if (!o.since.empty()) t += "&since=" + percent_encode(o.since);
  if (!o.peer.empty()) t += "&peer=" + percent_encode(o.peer);
  if (cursor.is_object()) t += "&cursor=" + percent_encode(json_text(cursor));
  return t;
}

void print_logs(const Json& answer, bool json, std::ostream& out, std::ostream& err) {
  if (!answer.is_object()) return;
  if (auto lines = answer.find("lines"); lines != answer.end() && lines->is_array()) {
    for (const auto& l : *lines) {
      if (!l.is_object()) continue;
      if (json) {
        out << json_text(l) << "\n";
        continue;
      }
      LogLine line;
      line.service = text_of(l, "service");
      line.index = l.value("index", Json()).is_number_integer() ? l["index"].get<int>() : 0;
      line.peer = text_of(l, "peer");
      line.stream = text_of(l, "stream");
      line.line = text_of(l, "line");
      // The peer's time text as it is (log_text would format a number).
      std::string text = log_text(line);
      out << text_of(l, "ts") << text.substr(text.find(' ')) << "\n";
    }
  }
  if (auto errors = answer.find("errors"); errors != answer.end() && errors->is_array())
    for (const auto& e : *errors)
      if (e.is_object()) err << "shoal logs: peer " << text_of(e, "peer") << ": " << text_of(e, "error") << "\n";
  out << std::flush;
}

int cmd_logs(const ApiTarget& api, const LogsOptions& o, std::ostream& out, std::ostream& err) {
  std::string error;
  auto target = logs_target(o, Json(), error);
  if (!target) {
    err << "shoal logs: " << error << "\n";
    return 2;
  }
  auto j = api_call(api, "GET", *target, "", err, "logs", 15000);
  if (!j) return 1;
  print_logs(*j, o.json, out, err);
  if (o.follow) ::signal(SIGINT, [](int) { ::_exit(0); });
  while (o.follow) {
    std::this_thread::sleep_for(std::chrono::seconds(1));  // -f polls with the cursor
    const Json cursor = j->is_object() && j->contains("cursor") ? (*j)["cursor"] : Json::object();
    target = logs_target(o, cursor.is_object() ? cursor : Json::object(), error);
    auto next = api_call(api, "GET", *target, "", err, "logs", 15000);
    if (!next) return 1;
    j = std::move(next);
    print_logs(*j, o.json, out, err);
  }
  return 0;
}

}  // namespace shoal::node
