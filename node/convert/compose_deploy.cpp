// deploy: replicas, mode, resources, restart_policy, placement, update_config (as much as
// Shoal's `update` table expresses); the rest is reported.
#include "node/convert/compose_parts.hpp"
#include "node/convert/compose_values.hpp"

#include "config/validate_spec.hpp"

namespace shoal::convert {
namespace {

using Entries = std::vector<Entry>;

void read_resources(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  // Shoal's resources are both what placement reserves and the limit the engine enforces:
  // limits when given (a lower limit could kill the service), else reservations.
  std::optional<std::int64_t> cpu[2], mem[2];  // [0] limits, [1] reservations
  for (const Entry& e : w.mapping(n, key).value_or(Entries{})) {
    const std::string k = key + "." + e.key;
    const int i = e.key == "limits" ? 0 : e.key == "reservations" ? 1 : -1;
    if (i < 0) {
      not_converted(w, d, e.key_node, k, "Shoal has no equivalent");
      continue;
    }
    for (const Entry& r : w.mapping(e.value, k).value_or(Entries{})) {
      const std::string rk = k + "." + r.key;
      if (r.key == "cpus") {
        auto text = w.scalar(r.value, rk);
        auto v = text ? parse_cpus(*text) : config::Checked<std::int64_t>{};
        if (text && !v.ok()) w.error(r.value, rk, v.error);
        else if (v.ok()) cpu[i] = *v.value;
      } else if (r.key == "memory") {
        auto text = w.scalar(r.value, rk);
        auto v = text ? parse_memory_mib(*text) : config::Checked<std::int64_t>{};
        if (text && !v.ok()) w.error(r.value, rk, v.error);
        else if (v.ok()) mem[i] = *v.value;
      } else {
        not_converted(w, d, r.key_node, rk, "Shoal has no equivalent");
      }
    }
  }
  d.cpu_milli = cpu[0] ? cpu[0] : cpu[1];
  d.memory_mib = mem[0] ? mem[0] : mem[1];
  if ((cpu[0] && cpu[1] && *cpu[0] != *cpu[1]) || (mem[0] && mem[1] && *mem[0] != *mem[1]))
    not_converted(w, d, n, key + ".reservations",
                  "Shoal reserves what it limits: the limits are used for both");
}

void read_restart_policy(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  for (const Entry& e : w.mapping(n, key).value_or(Entries{})) {
    const std::string k = key + "." + e.key;
    if (e.key == "condition") {
      auto c = w.scalar(e.value, k);
      if (c && (*c == "none" || *c == "on-failure" || *c == "any")) d.restart_condition = *c;
      else if (c) w.error(e.value, k, "must be none, on-failure or any, not `" + *c + "`");
    } else if (e.key == "delay") {
      auto ms = read_duration(w, d, e.value, k);
      if (ms && *ms == 0) {
        not_converted(w, d, e.value, k, "Shoal's restart delay is at least 1ms (default 1s)");
      } else if (ms) {
        d.restart_delay = *ms;
        if (*ms > 60'000) d.restart_max_delay = *ms;  // Shoal doubles the delay up to max_delay
      }
    } else if (e.key == "max_attempts") {
      if (auto v = w.integer(e.value, k, 0, 1'000'000)) d.restart_max_attempts = *v;
    } else {
      not_converted(w, d, e.key_node, k, "Shoal has no equivalent");
    }
  }
}

void read_placement(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  for (const Entry& e : w.mapping(n, key).value_or(Entries{})) {
    const std::string k = key + "." + e.key;
    if (e.key == "constraints") {
      for (const YAML::Node& c : w.sequence(e.value, k).value_or(std::vector<YAML::Node>{})) {
        auto text = w.scalar(c, k);
        if (!text) continue;
        auto shoal = translate_constraint(*text);
        if (shoal.ok()) d.constraints.push_back(*shoal.value);
        else not_converted(w, d, c, k, shoal.error);
      }
    } else if (e.key == "max_replicas_per_node") {
      if (auto v = w.integer(e.value, k, 0, 1'000'000)) d.max_per_peer = *v;
    } else {
      not_converted(w, d, e.key_node, k,
                    e.key == "preferences" ? "Shoal spreads across zones, then peers, by itself"
                                           : "Shoal has no equivalent");
    }
  }
}

}  // namespace

void read_service_resources(Walk& w, const std::vector<Entry>& entries, const std::string& key,
                            ServiceDraft& d) {
  const bool deploy_cpu = d.cpu_milli.has_value(), deploy_memory = d.memory_mib.has_value();
  bool limit = false;
  for (const char* which : {"cpus", "mem_limit", "mem_reservation"}) {
    for (const Entry& e : entries) {
      if (e.key != which) continue;
      const std::string k = key + "." + e.key;
      const bool cpu = e.key == "cpus";
      auto text = w.scalar(e.value, k);
      if (!text) continue;
      auto v = cpu ? parse_cpus(*text) : parse_memory_mib(*text);
      if (!v.ok()) {
        w.error(e.value, k, v.error);
      } else if (cpu ? deploy_cpu : deploy_memory) {
        not_converted(w, d, e.key_node, k, "deploy.resources is used");
      } else if (e.key == "mem_reservation" && limit) {
        not_converted(w, d, e.key_node, k, "Shoal reserves what it limits: mem_limit is used");
      } else {
        (cpu ? d.cpu_milli : d.memory_mib) = *v.value;
        limit = limit || e.key == "mem_limit";
      }
    }
  }
}

// parallelism, order, monitor (as min_healthy_time) and failure_action (rollback: auto_revert;
// pause: what Shoal does anyway) map; Shoal has no delay between batches and no failure ratio.
void read_update_config(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  for (const Entry& e : w.mapping(n, key).value_or(Entries{})) {
    const std::string k = key + "." + e.key;
    if (e.key == "parallelism") {
      auto v = w.integer(e.value, k, 0, config::SpecLimits{}.max_replicas);
      if (v && *v == 0) not_converted(w, d, e.value, k, "Shoal replaces at most N at a time, N >= 1");
      else if (v) d.update_parallelism = *v;
    } else if (e.key == "order") {
      auto o = w.scalar(e.value, k);
      if (o && (*o == "stop-first" || *o == "start-first")) d.update_order = *o;
      else if (o) w.error(e.value, k, "must be stop-first or start-first, not `" + *o + "`");
    } else if (e.key == "monitor") {
      if (auto ms = read_duration(w, d, e.value, k)) d.update_min_healthy_time = *ms;
    } else if (e.key == "failure_action") {
      auto a = w.scalar(e.value, k);
      if (a && *a == "rollback") d.update_auto_revert = true;
      else if (a && *a == "pause") d.update_pause = true;  // Shoal stops at a failed version
      else if (a && *a == "continue")
        not_converted(w, d, e.value, k, "Shoal marks a failed version and stops there (pause)");
      else if (a) w.error(e.value, k, "must be continue, pause or rollback, not `" + *a + "`");
    } else {
      not_converted(w, d, e.key_node, k, "Shoal has no equivalent");
    }
  }
}

void read_deploy(Walk& w, const YAML::Node& n, const std::string& key, ServiceDraft& d) {
  for (const Entry& e : w.mapping(n, key).value_or(Entries{})) {
    const std::string k = key + "." + e.key;
    if (e.key == "replicas") {
      if (auto v = w.integer(e.value, k, 0, 1'000'000)) d.replicas = *v;
    } else if (e.key == "mode") {
      auto m = w.scalar(e.value, k);
      if (m && *m == "global") d.global = true;
      else if (m && (*m == "replicated-job" || *m == "global-job"))
        not_converted(w, d, e.value, k, "Shoal runs services, not jobs: converted as a service");
      else if (m && *m != "replicated")
        w.error(e.value, k, "must be replicated, global, replicated-job or global-job, not `" +
                                *m + "`");
    } else if (e.key == "resources") {
      read_resources(w, e.value, k, d);
    } else if (e.key == "restart_policy") {
      read_restart_policy(w, e.value, k, d);
    } else if (e.key == "placement") {
      read_placement(w, e.value, k, d);
    } else if (e.key == "update_config") {
      read_update_config(w, e.value, k, d);
    } else if (e.key == "rollback_config") {
      // Every key by name, so that the list says exactly what the file asked for.
      for (const Entry& u : w.mapping(e.value, k).value_or(Entries{}))
        not_converted(w, d, u.key_node, k + "." + u.key, "Shoal reverts to the last healthy version at once (auto_revert), with no rollback policy");
    } else {
      not_converted(w, d, e.key_node, k, "Shoal has no equivalent");
    }
  }
  if (d.global && d.replicas) {
    not_converted(w, d, n, key + ".replicas", "mode global runs one instance on every peer");
    d.replicas.reset();
  }
}

}  // namespace shoal::convert
