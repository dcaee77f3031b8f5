#include "node/config_json.hpp"

namespace shoal::node {
namespace {

template <typename T>
ConfigJson or_null(const std::optional<T>& v) {
  return v ? ConfigJson(*v) : ConfigJson(nullptr);
}

ConfigJson address_or_null(const std::optional<config::Address>& a) {
  return a ? ConfigJson(a->to_string()) : ConfigJson(nullptr);
}

ConfigJson health_json(const config::HealthCheck& h) {
  using Kind = config::HealthCheck::Kind;
  if (h.kind == Kind::none) return nullptr;
  ConfigJson j = ConfigJson::object();
  switch (h.kind) {
    case Kind::http:
      j["kind"] = "http";
      j["http"] = h.http_path;
      j["port"] = h.port;
      break;
    case Kind::tcp:
      j["kind"] = "tcp";
      j["tcp"] = h.port;
      break;
    case Kind::exec:
      j["kind"] = "exec";
      j["exec"] = h.exec;
      break;
    case Kind::none: break;
  }
  j["interval_ms"] = h.interval;
  j["timeout_ms"] = h.timeout;
  j["retries"] = h.retries;
  return j;
}

}  // namespace

ConfigJson to_json(const config::ServiceSpec& s) {
  ConfigJson j = ConfigJson::object();
  j["image"] = s.image.empty() ? ConfigJson(nullptr) : ConfigJson(s.image);
  j["command"] = s.command;
  j["replicas"] = s.replicas;
  ConfigJson ports = ConfigJson::object();
  for (const config::Port& p : s.ports)
    ports[p.name] = ConfigJson{{"container", p.container}, {"host", or_null(p.host)}};
  j["ports"] = std::move(ports);
  ConfigJson env = ConfigJson::object();
  for (const auto& [k, v] : s.env) env[k] = v;
  j["env"] = std::move(env);
  j["resources"] = ConfigJson{{"cpu_milli", s.resources.cpu_milli},
                        {"memory_mib", s.resources.memory_mib}};
  j["restart"] = ConfigJson{{"condition", config::restart_condition_name(s.restart.condition)},
                      {"delay_ms", s.restart.delay},
                      {"max_delay_ms", s.restart.max_delay},
                      {"max_attempts", s.restart.max_attempts}};
  j["health"] = health_json(s.health);
  ConfigJson constraints = ConfigJson::array();
  for (const config::Constraint& c : s.placement.constraints) constraints.push_back(c.to_string());
  j["placement"] = ConfigJson{
      {"constraints", std::move(constraints)},
      {"spread", config::spread_name(s.placement.spread)},
      {"max_per_peer", s.placement.max_per_peer},
      {"home", s.placement.home}};
  j["stop_grace_ms"] = s.stop_grace;
  j["mode"] = s.placement.mode == config::Placement::Mode::global ? "global" : "replicated";
  ConfigJson volumes = ConfigJson::array();
  for (const config::Volume& v : s.volumes) volumes.push_back(v.to_string());
  j["volumes"] = std::move(volumes);
  j["update"] = nullptr;  // no update table: replaced one at a time (DESIGN.md)
  if (const auto& u = s.update)
    j["update"] = ConfigJson{{"parallelism", u->parallelism},
                       {"order", config::order_name(u->order)},
                       {"min_healthy_time_ms", u->min_healthy_time},
                       {"healthy_deadline_ms", u->healthy_deadline},
                       {"auto_revert", u->auto_revert},
                       {"canary", u->canary}};
  j["reschedule"] = nullptr;  // no reschedule table: a failed instance stays where it is
  if (const auto& p = s.reschedule)
    j["reschedule"] = ConfigJson{{"attempts", p->attempts},
                           {"interval_ms", p->interval},
                           {"delay_ms", p->delay}};
  return j;
}

ConfigJson to_json(const std::vector<config::ServiceSpec>& services) {
  ConfigJson j = ConfigJson::object();
  for (const config::ServiceSpec& s : services) j[s.name] = to_json(s);
  return j;
}

ConfigJson to_json(const config::PeerConfig& p) {
  ConfigJson j = ConfigJson::object();
  j["name"] = p.name.empty() ? ConfigJson(nullptr) : ConfigJson(p.name);
  j["bind"] = p.bind.to_string();
  j["advertise"] = address_or_null(p.advertise);
  ConfigJson join = ConfigJson::array();
  for (const config::Address& a : p.join) join.push_back(a.to_string());
  j["join"] = std::move(join);
  j["zone"] = p.zone;
  ConfigJson labels = ConfigJson::object();
  for (const auto& [k, v] : p.labels) labels[k] = v;
  j["labels"] = std::move(labels);
  j["data_dir"] = p.data_dir;
  j["services_dir"] = p.services_dir;
  j["resources"] = ConfigJson{{"cpu_milli", p.cpu_milli ? ConfigJson(*p.cpu_milli) : ConfigJson("auto")},
                        {"memory_mib", p.memory_mib ? ConfigJson(*p.memory_mib) : ConfigJson("auto")}};
  const config::GossipSettings& g = p.gossip;
  j["gossip"] = ConfigJson{{"profile", g.profile},
                     {"probe_interval_ms", or_null(g.probe_interval)},
                     {"probe_timeout_ms", or_null(g.probe_timeout)},
                     {"gossip_interval_ms", or_null(g.gossip_interval)},
                     {"push_pull_interval_ms", or_null(g.push_pull_interval)},
                     {"reconnect_timeout_ms", or_null(g.reconnect_timeout)},
                     {"tombstone_ttl_ms", or_null(g.tombstone_ttl)},
                     {"max_clock_skew_ms", or_null(g.max_clock_skew)},
                     {"join_grace_ms", or_null(g.join_grace)},
                     {"indirect_checks", or_null(g.indirect_checks)},
                     {"suspicion_mult", or_null(g.suspicion_mult)},
                     {"suspicion_max_mult", or_null(g.suspicion_max_mult)},
                     {"gossip_nodes", or_null(g.gossip_nodes)},
                     {"retransmit_mult", or_null(g.retransmit_mult)},
                     {"tree_broadcast", or_null(g.tree_broadcast)},
                     {"tree_min_members", or_null(g.tree_min_members)}};
  j["api"] = ConfigJson{{"listen", p.api.listen.to_string()},
                  {"token_file", p.api.token_file},
                  {"socket", p.api.socket.empty() ? p.data_dir + "/api.sock" : p.api.socket},
                  {"socket_group", p.api.socket_group}};
  j["runtime"] = ConfigJson{{"driver", p.runtime.driver},
                      {"socket", p.runtime.socket},
                      {"orphan_timeout_ms", p.runtime.orphan_timeout},
                      {"registry_auth", p.runtime.registry_auth},
                      {"bind_roots", p.runtime.bind_roots}};
  j["reconcile"] = ConfigJson{{"solo_after_ms", p.reconcile.solo_after},
                        {"max_starts_per_second", p.reconcile.max_starts_per_second},
                        {"handoff_timeout_ms", p.reconcile.handoff_timeout}};
  j["security"] = ConfigJson{{"keyring", p.security.keyring},
                       {"label", p.security.label},
                       {"insecure", p.security.insecure}};
  j["dns"] = ConfigJson{{"listen", address_or_null(p.dns.listen)},
                  {"domain", p.dns.domain},
                  {"ttl_ms", p.dns.ttl},
                  {"enabled", p.dns.enabled}};
  j["limits"] = ConfigJson{{"max_replicas", p.limits.max_replicas}};
  return j;
}

}  // namespace shoal::node
