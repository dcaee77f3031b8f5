#include "node/cli_plan.hpp"

#include <ostream>
#include <sstream>

#include "node/peer/json_text.hpp"

namespace shoal::node {

namespace {

using Json = nlohmann::json;

const Json& array_at(const Json& j, const char* key) {
  static const Json empty = Json::array();
  return j.is_object() && j.contains(key) && j[key].is_array() ? j[key] : empty;
}

Json at(const Json& j, const char* key) { return j.is_object() ? j.value(key, Json()) : Json(); }

}  // namespace

std::string plan_text(const Json& plan) {
  std::ostringstream s;
  const Json& services = array_at(plan, "services");
  if (services.empty()) s << "the file defines no service\n";
  for (const auto& sv : services) {
    s << table_cell(at(sv, "service")) << ": " << table_cell(at(sv, "change"));
    if (at(sv, "change") == "changed") {
      s << " (spec " << table_cell(at(sv, "spec_hash_now")) << " -> "
        << table_cell(at(sv, "spec_hash_next")) << ": every instance is replaced)";
    }
    s << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& i : array_at(sv, "instances")) {
      rows.push_back({table_cell(at(i, "index")), table_cell(at(i, "from")),
                      table_cell(at(i, "to")), table_cell(at(i, "action")),
                      at(i, "reason").is_string() && !at(i, "reason").get<std::string>().empty()
                          ? at(i, "reason").get<std::string>()
                          : "-"});
    }
    if (!rows.empty()) s << text_table({"INDEX", "FROM", "TO", "ACTION", "REASON"}, rows);
  }
  std::vector<std::vector<std::string>> moved;
  for (const auto& sv : array_at(plan, "others"))
    for (const auto& i : array_at(sv, "instances"))
      moved.push_back({table_cell(at(sv, "service")), table_cell(at(i, "index")),
                       table_cell(at(i, "from")), table_cell(at(i, "to")),
                       table_cell(at(i, "action"))});
  if (!moved.empty()) {
    s << "other services' instances that would move:\n"
      << text_table({"SERVICE", "INDEX", "FROM", "TO", "ACTION"}, moved);
  }
  s << "nothing was written (shoal apply FILE applies it)\n";
  return s.str();
}

int cmd_plan(const ApiTarget& api, const std::string& file, bool json, std::ostream& out,
             std::ostream& err) {
  const auto body = apply_body(file, err);
  if (!body) return 2;
  auto j = api_call(api, "POST", "/v1/plan", *body, err, "apply --plan");
  if (!j) return 1;
  out << (json ? json_text(*j) + "\n" : plan_text(*j));
  return 0;
}

}  // namespace shoal::node
