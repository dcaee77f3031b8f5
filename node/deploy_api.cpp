#include "node/deploy_api.hpp"

#include "config/units.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "gossip/bytes.hpp"
#include "node/api_response.hpp"
#include "node/desired_state.hpp"
#include "node/peer/canary.hpp"
#include "node/peer/deploy_history.hpp"
#include "node/peer/spec_gate.hpp"
#include "placement/rollout.hpp"

namespace shoal::node {

using Json = nlohmann::json;

namespace {

bool valid_name(const std::string& s) { return config::check_service_name(s).empty(); }

}  // namespace

HttpResponse DeployApi::history(const std::string& service) const {
  if (!valid_name(service)) return error_response(400, "not a service name: `" + printable(service) + "`");
  const gossip::Entry* e = gossip_.state().find("spec/" + service);
  if (e == nullptr || e->deleted) return error_response(404, "no service `" + service + "`");
  return json_response(200, history_json(e, outcome(service)));
}

HttpResponse DeployApi::revert(const HttpRequest& r) {
  const Json body = Json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("service") || !body["service"].is_string() ||
      (body.contains("to") && !body["to"].is_string()))
    return error_response(400, "expected {\"service\": \"NAME\", \"to\": \"VERSION\"}");
  const std::string service = body["service"].get<std::string>();
  if (!valid_name(service)) return error_response(400, "not a service name: `" + printable(service) + "`");
  const std::string to = body.value("to", std::string());
  if (to.size() > 64) return error_response(400, "`to` must be a version number or a spec hash");
  const gossip::Entry* e = gossip_.state().find("spec/" + service);
  const RevertPlan p = plan_revert(service, e, to, e ? outcome(service) : std::string(),
                                   now_().wall / 1000, gossip_.name());
  if (p.status != 200) return error_response(p.status, p.error);
  put("spec/" + service, p.value);
  spdlog::info("{}: reverted to version {} ({}), was {}", service, p.version, p.to, p.from);
  return json_response(200, Json{{"service", service}, {"version", p.version}, {"from", p.from},
                                 {"to", p.to}, {"peer", gossip_.name()}});
}

HttpResponse DeployApi::promote(const HttpRequest& r) {
  const Json body = Json::parse(r.body, nullptr, false);
  if (!body.is_object() || !body.contains("service") || !body["service"].is_string())
    return error_response(400, "expected {\"service\": \"NAME\"}");
  const std::string service = body["service"].get<std::string>();
  if (!valid_name(service)) return error_response(400, "not a service name: `" + printable(service) + "`");
  const auto specs = desired_.specs();
  const config::ServiceSpec* running = nullptr;
  for (const auto& s : specs)
    if (s.name == service) running = &s;
  const std::string outcome =
      running ? deployment_outcome(*running, desired_.reverts(), desired_.placed(specs), statuses_()) : "";
  const PromotePlan p = plan_promote(service, running, running && running->update ? outcome : "");
  if (p.status != 200) return error_response(p.status, p.error);
  put(p.key, p.value);
  spdlog::info("{}: version {} promoted: its rollout goes on past the canaries", service, p.hash);
  return json_response(200, Json{{"service", service}, {"version", p.hash}, {"peer", gossip_.name()}});
}

Json DeployApi::awaiting_promotion() const {
  const auto specs = desired_.specs();
  bool any = false;  // the statuses are copied only when some service holds canaries
  for (const auto& s : specs) any = any || placement::canaries_of(s) > 0;
  if (!any) return Json::array();
  return awaiting_json(specs, desired_.reverts(), desired_.placed(specs), statuses_());
}

bool DeployApi::latch_failed(const std::vector<config::ServiceSpec>& running,
                             const placement::Assignment& assignment) {
  bool any = false;  // the statuses are copied only for a service that may need them
  for (const auto& s : running) any = any || (s.update && s.update->auto_revert);
  if (!any) return false;
  const auto due = verdicts_due(running, desired_.reverts(), assignment, statuses_(), gossip_.state());
  for (const auto& [key, value] : due) {
    spdlog::warn("{}: the version in force failed; reverting to the last healthy one", key);
    put(key, value);
  }
  return !due.empty();
}

std::string DeployApi::outcome(const std::string& service) const {
  const auto specs = desired_.specs();
  for (const auto& s : specs)
    if (s.name == service)
      return deployment_outcome(s, desired_.reverts(), desired_.placed(specs), statuses_());
  return "";
}

void DeployApi::put(const std::string& key, const std::string& value) {
  gossip_.put(now_(), key, gossip::string_to_bytes(value));
  changed_();
}

}  // namespace shoal::node
