// Test fixture for the reconcile step: hand-built assignments (no place()), a fake local driver
// that applies plans at once, and virtual time (plain integers).
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "config/spec.hpp"
#include "placement/reconcile.hpp"
#include "placement/spec_hash.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::placement::testing {

inline config::ServiceSpec make_service(const std::string& name, int replicas,
                                        bool health_check = false) {
  config::ServiceSpec s;
  s.name = name;
  s.command = {"/bin/server", "--port", "8080"};
  s.replicas = replicas;
  s.ports = {config::Port{"http", 8080, std::nullopt}};
  s.resources = {100, 64};
  if (health_check) {
    s.health.kind = config::HealthCheck::Kind::tcp;
    s.health.port = "http";
  }
  return s;
}

inline InstanceId iid(const std::string& service, std::uint32_t index) {
  return InstanceId{service, index};
}

// An assignment from (service, index, owner) triples; owner "" = unplaced.
inline Assignment assign(std::vector<std::tuple<std::string, std::uint32_t, std::string>> rows) {
  Assignment a;
  a.algorithm_version = 1;
  for (auto& [svc, idx, owner] : rows) {
    Placed p;
    p.id = InstanceId{svc, idx};
    if (owner.empty()) {
      p.reason = "no room";
    } else {
      p.owner = owner;
    }
    a.instances.push_back(p);
  }
  std::sort(a.instances.begin(), a.instances.end(),
            [](const Placed& x, const Placed& y) { return x.id < y.id; });
  return a;
}

// Every instance of `service` (0..n-1) owned by `owner`.
inline std::vector<std::tuple<std::string, std::uint32_t, std::string>> all_on(
    const std::string& service, int n, const std::string& owner) {
  std::vector<std::tuple<std::string, std::uint32_t, std::string>> rows;
  for (int i = 0; i < n; ++i) rows.emplace_back(service, static_cast<std::uint32_t>(i), owner);
  return rows;
}

// One peer ("a" by default) with its Reconciler and a fake driver that applies plans at once.
struct Harness {
  explicit Harness(config::PeerConfig::Reconcile cfg = {}, std::string self_name = "a")
      : reconciler(cfg), self(std::move(self_name)) {
    live.insert(self);
  }

  Reconciler reconciler;
  std::string self;
  std::vector<config::ServiceSpec> services;
  Assignment assignment;
  std::map<std::string, PeerStatus> peers;
  std::set<std::string> live;
  std::vector<LocalInstance> local;
  bool synced = true;
  std::optional<Millis> alone_since;
  bool health_bad = false;
  shoal::config::Resources capacity;  // 0: not checked
  Plan last;

  Plan step(Millis now) {
    ReconcileInputs in;
    in.now = now;
    in.self = self;
    in.assignment = &assignment;
    in.services = &services;
    in.peers = &peers;
    in.local = local;
    in.live_peers = live;
    in.synced = synced;
    in.alone_since = alone_since;
    in.health_bad = health_bad;
    in.capacity = capacity;
    last = reconciler.step(in);
    return last;
  }

  // Step, then apply the plan as a driver would: Start -> `starting` at the given hash (any
  // exited remains replaced), Stop -> `stopping`, Mark failed -> `failed`.
  Plan step_apply(Millis now) {
    Plan p = step(now);
    for (const auto& a : p.actions) {
      if (const auto* s = std::get_if<StartAction>(&a)) {
        auto* old = find(s->id);
        if (s->keep_old && old && old->state != InstanceState::stopping) {
          old->outgoing = true;  // start-first: the old copy stays up beside the new one
        } else {
          erase(s->id);
        }
        local.push_back(LocalInstance{s->id, s->spec_hash, InstanceState::starting, 0});
      } else if (const auto* s = std::get_if<StopAction>(&a)) {
        if (auto* l = s->outgoing ? find_outgoing(s->id) : find(s->id))
          l->state = InstanceState::stopping;
      } else if (const auto* m = std::get_if<MarkAction>(&a)) {
        if (auto* l = find(m->id); l && m->state == InstanceState::failed) {
          l->state = InstanceState::failed;
        }
      }
    }
    return p;
  }

  LocalInstance* find(const InstanceId& id) {  // the current copy
    for (auto& l : local) {
      if (l.id == id && !l.outgoing) return &l;
    }
    return nullptr;
  }
  LocalInstance* find_outgoing(const InstanceId& id) {  // start-first: the old copy
    for (auto& l : local) {
      if (l.id == id && l.outgoing) return &l;
    }
    return nullptr;
  }
  void erase(const InstanceId& id) {  // the current copy
    local.erase(std::remove_if(local.begin(), local.end(),
                               [&](const LocalInstance& l) { return l.id == id && !l.outgoing; }),
                local.end());
  }
  // Driver news about a local instance.
  void set_state(const InstanceId& id, InstanceState s, int exit_code = 0) {
    auto* l = find(id);
    REQUIRE(l != nullptr);
    l->state = s;
    l->exit_code = exit_code;
  }
  void run(const InstanceId& id, const config::ServiceSpec& spec,
           InstanceState s = InstanceState::running) {
    erase(id);
    local.push_back(LocalInstance{id, spec_hash(spec), s, 0});
  }
  // Every instance in `stopping` is gone.
  void finish_stops() {
    local.erase(std::remove_if(local.begin(), local.end(),
                               [](const LocalInstance& l) {
                                 return l.state == InstanceState::stopping;
                               }),
                local.end());
  }

  // Another live peer reports `id` in `state` at `hash`.
  void report(const std::string& peer, const InstanceId& id, InstanceState state,
              const std::string& hash) {
    live.insert(peer);
    auto& list = peers[peer].instances;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const InstanceStatus& s) { return s.id == id; }),
               list.end());
    InstanceStatus s;
    s.id = id;
    s.state = state;
    s.spec_hash = hash;
    list.push_back(s);
    std::sort(list.begin(), list.end(),
              [](const InstanceStatus& x, const InstanceStatus& y) { return x.id < y.id; });
  }
};

// Views of a plan, in plan order.
inline std::vector<std::string> started(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) {
    if (const auto* s = std::get_if<StartAction>(&a)) out.push_back(s->id.to_string());
  }
  return out;
}
inline std::vector<std::pair<std::string, StopReason>> stopped(const Plan& p) {
  std::vector<std::pair<std::string, StopReason>> out;
  for (const auto& a : p.actions) {
    if (const auto* s = std::get_if<StopAction>(&a)) out.emplace_back(s->id.to_string(), s->reason);
  }
  return out;
}
inline std::vector<MarkAction> marked(const Plan& p) {
  std::vector<MarkAction> out;
  for (const auto& a : p.actions) {
    if (const auto* m = std::get_if<MarkAction>(&a)) out.push_back(*m);
  }
  return out;
}
inline std::vector<std::string> adopted(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) {
    if (const auto* s = std::get_if<AdoptAction>(&a)) out.push_back(s->id.to_string());
  }
  return out;
}
inline const StartAction* start_of(const Plan& p, const std::string& id) {
  for (const auto& a : p.actions) {
    if (const auto* s = std::get_if<StartAction>(&a); s && s->id.to_string() == id) return s;
  }
  return nullptr;
}

using Stops = std::vector<std::pair<std::string, StopReason>>;
using Names = std::vector<std::string>;

}  // namespace shoal::placement::testing
