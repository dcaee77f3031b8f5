#include "node/cli_plan.hpp"

#include <ostream>
#include <sstream>

#include "node/json_read.hpp"
#include "node/peer/json_text.hpp"

namespace shoal::node {

using Json = nlohmann::json;

std::string plan_text(const Json& plan) {
  std::ostringstream s;
  const Json& services = array_at(plan, "services");
  if (services.empty()) s << "the file defines no service\n";
  for (const auto& sv : services) {
    s << table_cell(field_at(sv, "service")) << ": " << table_cell(field_at(sv, "change"));
    if (field_at(sv, "change") == "changed") {
      s << " (spec " << table_cell(field_at(sv, "spec_hash_now")) << " -> "
        << table_cell(field_at(sv, "spec_hash_next")) << ": every instance is replaced)";
    }
    s << "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& i : array_at(sv, "instances")) {
      rows.push_back({table_cell(field_at(i, "index")), table_cell(field_at(i, "from")),
                      table_cell(field_at(i, "to")), table_cell(field_at(i, "action")),
                      field_at(i, "reason").is_string() && !field_at(i, "reason").get<std::string>().empty()
                          ? field_at(i, "reason").get<std::string>()
                          : "-"});
    }
    if (!rows.empty()) s << text_table({"INDEX", "FROM", "TO", "ACTION", "REASON"}, rows);
  }
  std::vector<std::vector<std::string>> moved;
  for (const auto& sv : array_at(plan, "others"))
    for (const auto& i : array_at(sv, "instances"))
      moved.push_back({table_cell(field_at(sv, "service")), table_cell(field_at(i, "index")),
                       table_cell(field_at(i, "from")), table_cell(field_at(i, "to")),
                       table_cell(field_at(i, "action"))});
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
