// `shoal logs SERVICE[/INDEX] [-f] [--since D] [--tail N] [--peer P] [--json]`: the instances'
// output from whichever peers run them (GET /v1/logs, node/logs_api.hpp), oldest first.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "node/cli_client.hpp"

namespace shoal::node {

struct LogsOptions {
  std::string what;   // SERVICE or SERVICE/INDEX
  bool follow = false;
  std::string since;  // a duration ("10m"), empty: none
  int tail = 100;
  std::string peer;
  bool json = false;
};

// The API target for `o` (cursor: a previous answer's "cursor", or null); nullopt and the
// reason in `error` for bad input.
std::optional<std::string> logs_target(const LogsOptions& o, const nlohmann::json& cursor,
                                       std::string& error);
// Prints the answer's lines (text, or with `json` one object a line: {"ts","service","index",
// "peer","stream","line"}) and its errors (on err: "shoal logs: peer P: ...").
void print_logs(const nlohmann::json& answer, bool json, std::ostream& out, std::ostream& err);
// Exit 0 ok (Ctrl-C ends -f with 0), 1 no peer runs it / peer unreachable, 2 bad input. -f
// polls once a second with the answer's cursor.
int cmd_logs(const ApiTarget& api, const LogsOptions& o, std::ostream& out, std::ostream& err);

}  // namespace shoal::node
