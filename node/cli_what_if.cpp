#include "node/cli_what_if.hpp"

#include <algorithm>
#include <ostream>
#include <sstream>
#include <vector>

#include "node/cli_client.hpp"
#include "node/http.hpp"
#include "node/json_read.hpp"
#include "node/peer/json_text.hpp"
#include "node/peer/query_string.hpp"

namespace shoal::node {

using Json = nlohmann::json;

std::string what_if_target(const std::optional<std::string>& down,
                           const std::optional<std::string>& down_zone) {
  return down ? "/v1/what-if?down=" + percent_encode(*down, ",")
              : "/v1/what-if?down_zone=" + percent_encode(down_zone.value_or(""), ",");
}

std::string what_if_text(const Json& reply) {
  std::ostringstream s;
  std::vector<std::vector<std::string>> moves, unplaced;
  for (const auto& m : array_at(reply, "moves")) {
    moves.push_back({table_cell(m.value("service", Json())), table_cell(m.value("index", Json())),
                     table_cell(m.value("from", Json())), table_cell(m.value("to", Json()))});
  }
  for (const auto& u : array_at(reply, "unplaced")) {
    unplaced.push_back({table_cell(u.value("service", Json())), table_cell(u.value("index", Json())),
                        table_cell(u.value("from", Json())), table_cell(u.value("reason", Json()))});
  }
  if (moves.empty()) s << "no instance would move\n";
  else s << text_table({"SERVICE", "INDEX", "FROM", "TO"}, moves);
  s << "\n";
  if (unplaced.empty()) s << "no instance would go unplaced\n";
  else {
    s << "unplaced:\n";
    s << text_table({"SERVICE", "INDEX", "FROM", "REASON"}, unplaced);
  }
  return s.str();
}

int cmd_what_if(const ApiTarget& api, const std::optional<std::string>& down,
                const std::optional<std::string>& down_zone, bool json, std::ostream& out,
                std::ostream& err) {
  if (down.has_value() == down_zone.has_value()) {
    err << "shoal what-if: give exactly one of --down PEER[,PEER] and --down-zone ZONE (see "
           "`shoal what-if --help`)\n";
    return 2;
  }
  const std::string target = what_if_target(down, down_zone);
  HttpResult r = api.unix_path.empty()
                     ? http_call(api.host, api.port, "GET", target, "", api.token, 30000)
                     : http_call_unix(api.unix_path, "GET", target, "", api.token, 30000);
  if (!r.ok) {
    err << "shoal what-if: cannot reach the peer at " << describe(api) << " (" << r.error
        << "); is `shoal agent` running there? (--api HOST:PORT|unix:PATH or SHOAL_API)\n";
    return 1;
  }
  Json j = Json::parse(r.body, nullptr, false);
  if (r.status != 200) {
    const std::string msg = j.is_object() && j.contains("error") && j["error"].is_string()
                                ? j["error"].get<std::string>()
                                : r.body;
    err << "shoal what-if: " << (r.status == 400 ? "" : "the peer refused (HTTP " +
                                                             std::to_string(r.status) + "): ")
        << msg << "\n";
    return r.status == 400 ? 2 : 1;
  }
  if (!j.is_object()) {
    err << "shoal what-if: the peer sent a response that is not a JSON object\n";
    return 1;
  }
  out << (json ? json_text(j) + "\n" : what_if_text(j));
  return 0;
}

}  // namespace shoal::node
