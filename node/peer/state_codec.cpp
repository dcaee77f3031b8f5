#include "node/peer/state_codec.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "config/constraint.hpp"
#include "config/volume.hpp"
#include "node/peer/auto_revert.hpp"
#include "node/peer/canary.hpp"
#include "node/peer/json_int.hpp"
#include "node/peer/json_text.hpp"
#include "placement/rollout.hpp"
#include "placement/spec_hash.hpp"

namespace shoal::node {

using J = nlohmann::json;

namespace {

// An integer of T's range, else the decode fails (see json_int.hpp).
template <typename T>
T num(const J& v) {
  if (auto n = json_int<T>(v)) return *n;
  throw std::out_of_range("not an integer in range");
}

}  // namespace

std::string encode_status(const placement::PeerStatus& status) {
  J list = J::array();
  for (const auto& s : status.instances) {
    J ports = J::object();
    for (const auto& [n, p] : s.host_ports) ports[n] = p;
    list.push_back(J::array({s.id.service, s.id.index, std::string(placement::to_string(s.state)),
                             s.spec_hash, ports, s.restarts, s.exit_code}));
  }
  J j{{"v", 1}, {"i", list}};
  // "s": the positions in "i" of settled instances, present once any instance says (an update
  // policy); older peers ignore the key, so the value stays version 1.
  J settled = J::array();
  bool says = false;
  for (std::size_t k = 0; k < status.instances.size(); ++k) {
    const auto& v = status.instances[k].settled;
    says = says || v.has_value();
    if (v.value_or(false)) settled.push_back(k);
  }
  if (says) j["s"] = std::move(settled);
  // "o": the positions of overdue instances (missed healthy_deadline), only when there are.
  J overdue = J::array();
  for (std::size_t k = 0; k < status.instances.size(); ++k)
    if (status.instances[k].overdue) overdue.push_back(k);
  if (!overdue.empty()) j["o"] = std::move(overdue);
  // "r": [position, {port: host port}] of instances whose old copy still serves beside them
  // (start-first), only when there are; older peers ignore it.
  J outgoing = J::array();
  for (std::size_t k = 0; k < status.instances.size(); ++k) {
    const auto& ports = status.instances[k].outgoing_ports;
    if (ports.empty()) continue;
    J p = J::object();
    for (const auto& [n, port] : ports) p[n] = port;
    outgoing.push_back(J::array({k, p}));
  }
  if (!outgoing.empty()) j["r"] = std::move(outgoing);
  // "f": [service, index] of instances failed here that every peer places elsewhere for now
  // (reschedule), only when there are; older peers ignore the key.
  if (!status.failed_here.empty()) {
    J failed = J::array();
    for (const auto& id : status.failed_here) failed.push_back(J::array({id.service, id.index}));
    j["f"] = std::move(failed);
  }
  // "h": [service, failures, host rule 0|1] of services shed here for failing health checks
  // while healthy elsewhere (placement/health_shed.hpp), only when there are.
  if (!status.shed.empty()) {
    J shed = J::array();
    for (const auto& s : status.shed)
      shed.push_back(J::array({s.service, s.failures, s.host ? 1 : 0}));
    j["h"] = std::move(shed);
  }
  return json_text(j);
}

std::optional<placement::PeerStatus> decode_status(std::string_view bytes) {
  try {
    J j = J::parse(bytes);
    if (!j.is_object() || !json_version_is(j, 1) || !j["i"].is_array()) return std::nullopt;
    placement::PeerStatus out;
    for (const auto& e : j["i"]) {
      if (!e.is_array() || e.size() != 7) return std::nullopt;
      placement::InstanceStatus s;
      s.id.service = e[0].get<std::string>();
      s.id.index = num<std::uint32_t>(e[1]);
      auto st = placement::instance_state_from_string(e[2].get<std::string>());
      if (!st) return std::nullopt;
      s.state = *st;
      s.spec_hash = e[3].get<std::string>();
      for (const auto& [n, p] : e[4].items()) s.host_ports[n] = num<std::uint16_t>(p);
      s.restarts = num<int>(e[5]);
      s.exit_code = num<int>(e[6]);
      out.instances.push_back(std::move(s));
    }
    if (auto s = j.find("s"); s != j.end()) {  // settled positions (absent: an older peer)
      if (!s->is_array()) return std::nullopt;
      for (auto& i : out.instances) i.settled = false;
      for (const auto& k : *s) {
        const auto at = num<std::size_t>(k);
        if (at >= out.instances.size()) return std::nullopt;
        out.instances[at].settled = true;
      }
    }
    if (auto o = j.find("o"); o != j.end()) {  // overdue positions
      if (!o->is_array()) return std::nullopt;
      for (const auto& k : *o) {
        const auto at = num<std::size_t>(k);
        if (at >= out.instances.size()) return std::nullopt;
        out.instances[at].overdue = true;
      }
    }
    if (auto r = j.find("r"); r != j.end()) {  // old copies still serving (start-first)
      if (!r->is_array()) return std::nullopt;
      for (const auto& e : *r) {
        if (!e.is_array() || e.size() != 2 || !e[1].is_object()) return std::nullopt;
        const auto at = num<std::size_t>(e[0]);
        if (at >= out.instances.size()) return std::nullopt;
        for (const auto& [n, p] : e[1].items())
          out.instances[at].outgoing_ports[n] = num<std::uint16_t>(p);
      }
    }
    if (auto f = j.find("f"); f != j.end()) {  // failed here (reschedule)
      if (!f->is_array()) return std::nullopt;
      for (const auto& e : *f) {
        if (!e.is_array() || e.size() != 2) return std::nullopt;
        out.failed_here.push_back({e[0].get<std::string>(), num<std::uint32_t>(e[1])});
      }
      std::sort(out.failed_here.begin(), out.failed_here.end());
      out.failed_here.erase(std::unique(out.failed_here.begin(), out.failed_here.end()),
                            out.failed_here.end());
    }
    if (auto h = j.find("h"); h != j.end()) {  // services shed here (health)
      if (!h->is_array()) return std::nullopt;
      for (const auto& e : *h) {
        if (!e.is_array() || e.size() != 3) return std::nullopt;
        const int failures = num<int>(e[1]), host = num<int>(e[2]);
        if (failures < 0 || (host != 0 && host != 1)) return std::nullopt;
        out.shed.push_back({e[0].get<std::string>(), failures, host == 1});
      }
      auto by_name = [](const auto& a, const auto& b) { return a.service < b.service; };
      std::stable_sort(out.shed.begin(), out.shed.end(), by_name);
      auto same = [](const auto& a, const auto& b) { return a.service == b.service; };
      out.shed.erase(std::unique(out.shed.begin(), out.shed.end(), same), out.shed.end());
    }
    std::sort(out.instances.begin(), out.instances.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

namespace {

const char* health_name(config::HealthCheck::Kind k) {
  switch (k) {
    case config::HealthCheck::Kind::none: return "none";
    case config::HealthCheck::Kind::http: return "http";
    case config::HealthCheck::Kind::tcp: return "tcp";
    case config::HealthCheck::Kind::exec: return "exec";
  }
  return "none";
}

}  // namespace

std::string encode_spec(const config::ServiceSpec& s) {
  J ports = J::array();
  for (const auto& p : s.ports) {
    ports.push_back(J::array({p.name, p.container, p.host ? J(*p.host) : J(nullptr)}));
  }
  J constraints = J::array();
  for (const auto& c : s.placement.constraints) constraints.push_back(c.to_string());
  J j{{"v", 1},
      {"name", s.name},
      {"image", s.image},
      {"command", s.command},
      {"replicas", s.replicas},
      {"ports", ports},
      {"env", s.env},
      {"cpu_milli", s.resources.cpu_milli},
      {"memory_mib", s.resources.memory_mib},
      {"restart", J::array({config::restart_condition_name(s.restart.condition), s.restart.delay,
                            s.restart.max_delay, s.restart.max_attempts})},
      {"health", J::array({health_name(s.health.kind), s.health.http_path, s.health.port,
                           s.health.exec, s.health.interval, s.health.timeout,
                           s.health.retries})},
      {"constraints", constraints},
      {"spread", config::spread_name(s.placement.spread)},
      {"mode", s.placement.mode == config::Placement::Mode::global ? "global" : "replicated"},
      {"max_per_peer", s.placement.max_per_peer},
      {"home", s.placement.home},
      {"stop_grace", s.stop_grace},
      {"home_peer", s.home_peer}};
  // "update" (the rolling-update policy) only when the file has the table; older peers ignore
  // the key and replace one instance at a time, as they always did.
  if (const auto& u = s.update)
    j["update"] = J::array({u->parallelism, config::order_name(u->order), u->min_healthy_time,
                            u->healthy_deadline, u->auto_revert, u->canary});
  // "reschedule" [attempts, interval, delay] only when the file has the table; older peers
  // ignore it (a failed instance then stays failed where it is, as it always did).
  if (const auto& p = s.reschedule)
    j["reschedule"] = J::array({p->attempts, p->interval, p->delay});
  // Version 2 = version 1 + "volumes". Only a spec with volumes says 2, so that a peer of an
  // older version refuses it (never runs the service without its data) and still decodes
  // every other spec.
  if (!s.volumes.empty()) {
    J volumes = J::array();
    for (const auto& v : s.volumes) volumes.push_back(v.to_string());
    j["v"] = 2;
    j["volumes"] = std::move(volumes);
  }
  return json_text(j);
}

std::optional<config::ServiceSpec> decode_spec(std::string_view bytes) {
  try {
    J j = J::parse(bytes);
    if (!j.is_object() || !(json_version_is(j, 1) || json_version_is(j, 2))) return std::nullopt;
    config::ServiceSpec s;
    s.name = j.at("name").get<std::string>();
    s.image = j.at("image").get<std::string>();
    s.command = j.at("command").get<std::vector<std::string>>();
    s.replicas = num<int>(j.at("replicas"));
    for (const auto& p : j.at("ports")) {
      config::Port port;
      port.name = p.at(0).get<std::string>();
      port.container = num<std::uint16_t>(p.at(1));
      if (!p.at(2).is_null()) port.host = num<std::uint16_t>(p.at(2));
      s.ports.push_back(port);
    }
    s.env = j.at("env").get<std::map<std::string, std::string>>();
    s.resources.cpu_milli = num<std::int64_t>(j.at("cpu_milli"));
    s.resources.memory_mib = num<std::int64_t>(j.at("memory_mib"));
    const J& r = j.at("restart");
    const auto cond = config::restart_condition_from_name(r.at(0).get<std::string>());
    if (!cond) return std::nullopt;
    s.restart.condition = *cond;
    s.restart.delay = num<config::Millis>(r.at(1));
    s.restart.max_delay = num<config::Millis>(r.at(2));
    s.restart.max_attempts = num<int>(r.at(3));
    const J& h = j.at("health");
    const std::string kind = h.at(0).get<std::string>();
    if (kind != "none" && kind != "http" && kind != "tcp" && kind != "exec") return std::nullopt;
    s.health.kind = kind == "http"   ? config::HealthCheck::Kind::http
                    : kind == "tcp"  ? config::HealthCheck::Kind::tcp
                    : kind == "exec" ? config::HealthCheck::Kind::exec
                                     : config::HealthCheck::Kind::none;
    s.health.http_path = h.at(1).get<std::string>();
    s.health.port = h.at(2).get<std::string>();
    s.health.exec = h.at(3).get<std::vector<std::string>>();
    s.health.interval = num<config::Millis>(h.at(4));
    s.health.timeout = num<config::Millis>(h.at(5));
    s.health.retries = num<int>(h.at(6));
    for (const auto& c : j.at("constraints")) {
      auto parsed = config::parse_constraint(c.get<std::string>());
      if (!parsed.ok()) return std::nullopt;
      s.placement.constraints.push_back(*parsed.value);
    }
    // Specs encoded before "auto" and "peer" existed say "zone" or "none" (then the default)
    // and keep that meaning. A value this version does not know is refused (never placed, shown
    // in status), as every other unknown enum name: placing it another way than its author
    // asked could put every replica on one host.
    auto spread = config::parse_spread(j.at("spread").get<std::string>());
    if (!spread) return std::nullopt;
    s.placement.spread = *spread;
    // "mode" came with version 2: a spec without it is replicated.
    if (auto m = j.find("mode"); m != j.end() && m->is_string() && m->get<std::string>() == "global")
      s.placement.mode = config::Placement::Mode::global;
    s.placement.max_per_peer = num<int>(j.at("max_per_peer"));
    s.placement.home = j.at("home").get<bool>();
    s.stop_grace = num<config::Millis>(j.at("stop_grace"));
    s.home_peer = j.at("home_peer").get<std::string>();
    if (auto u = j.find("update"); u != j.end()) {
      config::UpdatePolicy p;
      p.parallelism = num<int>(u->at(0));
      const std::string order = u->at(1).get<std::string>();
      if (order != "stop-first" && order != "start-first") return std::nullopt;
      p.order = order == "start-first" ? config::UpdatePolicy::Order::start_first
                                       : config::UpdatePolicy::Order::stop_first;
      p.min_healthy_time = num<config::Millis>(u->at(2));
      p.healthy_deadline = num<config::Millis>(u->at(3));
      p.auto_revert = u->at(4).get<bool>();
      p.canary = num<int>(u->at(5));
      s.update = p;
    }
    if (auto rs = j.find("reschedule"); rs != j.end()) {
      config::ReschedulePolicy p;
      p.attempts = num<int>(rs->at(0));
      p.interval = num<config::Millis>(rs->at(1));
      p.delay = num<config::Millis>(rs->at(2));
      s.reschedule = p;
    }
    // Split as the file's reader does; the gate's validator checks them (and says when there
    // are more than 64). Past 1,024 the value is refused here, before the work of splitting.
    if (auto v = j.find("volumes"); v != j.end()) {
      if (!v->is_array() || v->size() > 16 * config::kMaxVolumes) return std::nullopt;
      for (const auto& text : *v)
        s.volumes.push_back(config::parse_volume(text.get<std::string>()));
    }
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

J ps_json(const placement::Assignment& assignment,
          const std::map<std::string, placement::PeerStatus>& statuses,
          const gossip::Members& members) {
  J out = J::array();
  for (const auto& p : assignment.instances) {
    J row{{"service", p.id.service}, {"index", p.id.index}};
    if (!p.owner) {
      row["peer"] = nullptr;
      row["address"] = nullptr;
      row["state"] = "unplaced";
      row["host_ports"] = J::object();
      row["restarts"] = 0;
    } else {
      row["peer"] = *p.owner;
      auto m = members.find(*p.owner);
      row["address"] = m == members.end() ? J(nullptr) : J(m->second.addr.host);
      const placement::InstanceStatus* s = nullptr;
      if (auto it = statuses.find(*p.owner); it != statuses.end()) s = it->second.find(p.id);
      row["state"] = s ? std::string(placement::to_string(s->state)) : std::string("pending");
      J ports = J::object();
      if (s) {
        for (const auto& [n, hp] : s->host_ports) ports[n] = hp;
      }
      row["host_ports"] = ports;
      row["restarts"] = s ? s->restarts : 0;  // by its owner's restart policy (crash or health)
    }
    out.push_back(row);
  }
  return out;
}

J services_json(const std::vector<config::ServiceSpec>& services,
                const placement::Assignment& assignment,
                const std::map<std::string, placement::PeerStatus>& statuses,
                const Reverts& reverts) {
  std::vector<const config::ServiceSpec*> sorted;
  for (const auto& s : services) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
  J out = J::array();
  for (const auto* spec : sorted) {
    int running = 0, healthy = 0, instances = 0;
    for (const auto& p : assignment.instances) {
      if (p.id.service == spec->name) ++instances;
      if (p.id.service != spec->name || !p.owner) continue;
      auto it = statuses.find(*p.owner);
      if (it == statuses.end()) continue;
      const auto* s = it->second.find(p.id);
      if (s == nullptr) continue;
      using S = placement::InstanceState;
      if (s->state == S::running || s->state == S::healthy || s->state == S::unhealthy) ++running;
      if (s->state == S::healthy ||
          (s->state == S::running && spec->health.kind == config::HealthCheck::Kind::none)) {
        ++healthy;
      }
    }
    J deployment = nullptr;
    J reverted_from = nullptr;
    if (spec->update || reverts.count(spec->name))
      deployment = deployment_outcome(*spec, reverts, assignment, statuses);
    if (auto r = reverts.find(spec->name); r != reverts.end()) reverted_from = r->second.from;
    out.push_back(J{{"name", spec->name},
                    // global: one a peer, as many as the assignment has
                    {"replicas", spec->placement.mode == config::Placement::Mode::global ? instances
                                                                                         : spec->replicas},
                    {"running", running},
                    {"healthy", healthy},
                    {"version", placement::spec_hash(*spec)},
                    {"deployment", deployment},
                    {"reverted_from", reverted_from},
                    {"canaries", canaries_held(*spec, instances)}});
  }
  return out;
}

}  // namespace shoal::node
