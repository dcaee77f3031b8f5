#include "placement/reconcile.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "placement/spec_hash.hpp"

namespace shoal::placement {

namespace {

// A restarted instance that then stays up this long gets its restart count (and so its
// backoff and max_attempts budget) reset, as Kubernetes does for CrashLoopBackOff.
constexpr Millis kRestartResetAfter = 10 * 60 * 1000;
constexpr Millis kStartWindow = 1000;  // max_starts_per_second counts starts in any 1 s

struct Desired {
  const config::ServiceSpec* spec = nullptr;
  std::string hash;
};

bool is_dead(InstanceState s) { return s == InstanceState::exited || s == InstanceState::failed; }

bool is_up(InstanceState s) {
  return s == InstanceState::running || s == InstanceState::healthy ||
         s == InstanceState::unhealthy;
}

bool is_live_copy(InstanceState s) { return s == InstanceState::starting || is_up(s); }

bool has_health(const config::ServiceSpec& spec) {
  return spec.health.kind != config::HealthCheck::Kind::none;
}

// The new copy is as good as the old: healthy, or running when there is no health check.
bool is_ready(InstanceState s, const config::ServiceSpec& spec) {
  return s == InstanceState::healthy || (s == InstanceState::running && !has_health(spec));
}

// Progress of a new copy during a handoff: a higher rank is progress.
int progress_rank(InstanceState s) {
  switch (s) {
    case InstanceState::pending: return 1;
    case InstanceState::starting: return 2;
    case InstanceState::running:
    case InstanceState::unhealthy: return 3;
    case InstanceState::healthy: return 4;
    default: return 0;
  }
}

// A copy at the desired hash that is on its way but not ready yet.
bool is_in_flight(InstanceState s, const config::ServiceSpec& spec) {
  return s == InstanceState::pending || s == InstanceState::starting ||
         s == InstanceState::unhealthy || (s == InstanceState::running && has_health(spec));
}

Millis backoff_delay(const config::RestartPolicy& p, int restarts) {
  Millis d = std::max<Millis>(p.delay, 0);
  const Millis cap = std::max<Millis>(p.max_delay, d);
  for (int i = 0; i < restarts && d < cap; ++i) d = (d > cap / 2) ? cap : d * 2;
  return std::min(d, cap);
}

struct StartCandidate {
  InstanceId id;
  StartReason reason;
  int restarts;
};

int start_priority(StartReason r) {
  switch (r) {
    case StartReason::fresh: return 0;     // not running anywhere: failover first
    case StartReason::restart: return 1;
    case StartReason::replace: return 2;
    case StartReason::handoff: return 3;   // a copy still runs elsewhere
  }
  return 4;
}

}  // namespace

std::string_view to_string(StartReason r) {
  switch (r) {
    case StartReason::fresh: return "fresh";
    case StartReason::handoff: return "handoff";
    case StartReason::restart: return "restart";
    case StartReason::replace: return "replace";
  }
  return "unknown";
}

std::string_view to_string(StopReason r) {
  switch (r) {
    case StopReason::unwanted: return "unwanted";
    case StopReason::handed_off: return "handed_off";
    case StopReason::handoff_timeout: return "handoff_timeout";
    case StopReason::not_owned: return "not_owned";
    case StopReason::replaced: return "replaced";
  }
  return "unknown";
}

Reconciler::Reconciler(config::PeerConfig::Reconcile cfg) : cfg_(cfg) {}

bool Reconciler::take_start_token(Millis now) {
  if (cfg_.max_starts_per_second <= 0) return true;
  while (!recent_starts_.empty() && recent_starts_.front() + kStartWindow <= now) {
    recent_starts_.pop_front();
  }
  if (static_cast<int>(recent_starts_.size()) >= cfg_.max_starts_per_second) return false;
  recent_starts_.push_back(now);
  return true;
}

Millis Reconciler::start_token_at(Millis now) const {
  if (cfg_.max_starts_per_second <= 0 || recent_starts_.empty() ||
      static_cast<int>(recent_starts_.size()) < cfg_.max_starts_per_second) {
    return now;
  }
  return recent_starts_.front() + kStartWindow;
}

Plan Reconciler::step(const ReconcileInputs& in) {
  const Millis now = in.now;
  Plan plan;
  auto wake = [&plan](Millis t) {
    if (!plan.wake_at || t < *plan.wake_at) plan.wake_at = t;
  };

  // --- Observe what runs here (always, even while the gate is closed). ----------------------
  std::map<InstanceId, const LocalInstance*> local;
  for (const auto& l : in.local) {
    local[l.id] = &l;
    Track& t = tracks_[l.id];
    if (is_dead(l.state)) {
      if (!t.exited_at) t.exited_at = now;
    } else if (l.state != InstanceState::stopping) {
      if (t.exited_at) {  // running again (restarted behind our back): a new run
        t.exited_at.reset();
        t.exit_decided = false;
        t.gave_up = false;
        t.up_since.reset();
      }
      if (is_up(l.state) && !t.up_since) t.up_since = now;
    }
  }

  // --- Gates. -------------------------------------------------------------------------------
  if (!gate_open_) {
    if (in.synced || (in.alone_since && now - *in.alone_since >= cfg_.solo_after)) {
      gate_open_ = true;
    } else {
      if (in.alone_since) wake(*in.alone_since + cfg_.solo_after);
      return plan;
    }
  }

  // --- Desired state and what the other live peers report. ---------------------------------
  std::map<std::string, Desired> desired;
  for (const auto& s : *in.services) desired[s.name] = Desired{&s, spec_hash(s)};
  auto want = [&](const InstanceId& id) -> const Desired* {
    auto it = desired.find(id.service);
    if (it == desired.end()) return nullptr;
    if (it->second.spec->placement.mode == config::Placement::Mode::global) {
      // Ids come from peer names: wanted while the assignment has the id (placed or not).
      const auto& all = in.assignment->instances;
      auto at = std::lower_bound(all.begin(), all.end(), id,
                                 [](const Placed& p, const InstanceId& x) { return p.id < x; });
      return at != all.end() && at->id == id ? &it->second : nullptr;
    }
    if (id.index >= static_cast<std::uint32_t>(std::max(it->second.spec->replicas, 0))) {
      return nullptr;
    }
    return &it->second;
  };

  // What the other live peers report. Each PeerStatus is sorted by id, so lookups are binary
  // searches; nothing here walks every remote instance (a step stays cheap in big clusters).
  std::vector<std::pair<const std::string*, const PeerStatus*>> others;
  if (in.peers) {
    for (const auto& [peer, status] : *in.peers) {
      if (peer != in.self && in.live_peers.count(peer)) others.emplace_back(&peer, &status);
    }
  }
  auto remote_on = [&](const InstanceId& id, const std::string& peer) -> const InstanceStatus* {
    if (!in.peers || peer == in.self || !in.live_peers.count(peer)) return nullptr;
    auto it = in.peers->find(peer);
    return it == in.peers->end() ? nullptr : it->second.find(id);
  };
  auto runs_elsewhere = [&](const InstanceId& id) {
    for (const auto& [peer, status] : others) {
      const InstanceStatus* s = status->find(id);
      if (s && is_live_copy(s->state)) return true;
    }
    return false;
  };
  // Calls f(peer, status) for every remote instance of `service`.
  auto for_each_remote_of = [&](const std::string& service, auto&& f) {
    const InstanceId first{service, 0};
    for (const auto& [peer, status] : others) {
      const auto& v = status->instances;
      auto it = std::lower_bound(
          v.begin(), v.end(), first,
          [](const InstanceStatus& x, const InstanceId& key) { return x.id < key; });
      for (; it != v.end() && it->id.service == service; ++it) f(*peer, *it);
    }
  };

  // The ids to consider: every local one and every one this peer owns.
  std::set<InstanceId> owned;
  for (const auto& p : in.assignment->instances) {
    if (p.owner && *p.owner == in.self) owned.insert(owned.end(), p.id);  // sorted input
  }
  auto owner_is_self = [&](const InstanceId& id) { return owned.count(id) > 0; };
  std::set<InstanceId> ids = owned;
  for (const auto& [id, l] : local) ids.insert(id);

  // --- Rolling replacement: which stale copy (at most one per service) to stop now. --------
  // Cluster-wide one at a time, as far as gossip lets a peer know: only the lowest-named peer
  // that owns a live stale copy of the service replaces (its "turn"), and only while no copy
  // of the service at the new hash is on its way anywhere (here or in any live peer's status).
  std::set<InstanceId> replace_now;
  if (!in.health_bad) {
    std::map<std::string, std::vector<InstanceId>> stale_here;  // service -> owned stale ids
    std::map<std::string, bool> busy_here;
    for (const auto& id : ids) {
      const Desired* d = want(id);
      if (!d || !owner_is_self(id)) continue;
      auto it = local.find(id);
      if (it == local.end()) {
        busy_here[id.service] = true;  // owned and not running yet: on its way
        continue;
      }
      const LocalInstance& l = *it->second;
      if (l.state == InstanceState::stopping) {
        busy_here[id.service] = true;
      } else if (l.spec_hash != d->hash) {
        if (is_live_copy(l.state)) stale_here[id.service].push_back(id);
      } else if (is_in_flight(l.state, *d->spec)) {
        busy_here[id.service] = true;
      }
    }
    for (const auto& [service, stale] : stale_here) {
      if (busy_here[service]) continue;
      const Desired& d = desired.at(service);
      bool my_turn = true;
      bool busy = false;
      for_each_remote_of(service, [&](const std::string& peer, const InstanceStatus& s) {
        if (s.spec_hash == d.hash) {
          if (is_in_flight(s.state, *d.spec)) busy = true;
        } else if (is_live_copy(s.state) && peer < in.self) {
          const std::string* o = in.assignment->owner_of(s.id);
          if (o && *o == peer) my_turn = false;
        }
      });
      if (!busy && my_turn) replace_now.insert(stale.front());
    }
  }

  // --- Per instance. ------------------------------------------------------------------------
  std::vector<Action> stops, marks, adopts;
  std::vector<StartCandidate> starts;

  for (const auto& id : ids) {
    auto lit = local.find(id);
    const LocalInstance* l = lit == local.end() ? nullptr : lit->second;
    const Desired* d = want(id);
    Track& t = tracks_[id];

    if (l && l->state == InstanceState::stopping) continue;  // already on its way out

    if (!d) {  // no service wants it: stop at once
      if (l) stops.push_back(StopAction{id, StopReason::unwanted});
      continue;
    }

    if (owner_is_self(id)) {
      t.handoff_to.clear();
      if (!l) {
        StartReason reason = StartReason::fresh;
        if (t.replacing) {
          reason = StartReason::replace;
        } else if (runs_elsewhere(id)) {
          reason = StartReason::handoff;
        }
        starts.push_back({id, reason, 0});
        continue;
      }
      if (is_dead(l->state)) {
        if (!t.exit_decided) {
          const config::RestartPolicy& p = d->spec->restart;
          const Millis exited_at = t.exited_at.value_or(now);
          if (t.up_since && exited_at - *t.up_since >= kRestartResetAfter) t.restarts = 0;
          const bool restart =
              p.condition == config::RestartPolicy::Condition::any ||
              (p.condition == config::RestartPolicy::Condition::on_failure && l->exit_code != 0);
          MarkAction m{id, InstanceState::exited, l->exit_code, t.restarts, 0};
          if (!restart) {
            t.gave_up = true;
          } else if (p.max_attempts > 0 && t.restarts >= p.max_attempts) {
            m.state = InstanceState::failed;
            t.gave_up = true;
          } else {
            t.retry_at = exited_at + backoff_delay(p, t.restarts);
            m.state = InstanceState::pending;
            m.retry_at = t.retry_at;
          }
          t.exit_decided = true;
          marks.push_back(m);
        }
        if (t.gave_up) {
          // A spec change is new desired state: start the new spec afresh.
          if (l->spec_hash != d->hash) starts.push_back({id, StartReason::replace, 0});
        } else if (now >= t.retry_at) {
          starts.push_back({id, StartReason::restart, t.restarts + 1});
        } else {
          wake(t.retry_at);
        }
        continue;
      }
      if (!t.known) {
        t.known = true;
        adopts.push_back(AdoptAction{id});
      }
      if (replace_now.count(id)) {
        t.replacing = true;
        stops.push_back(StopAction{id, StopReason::replaced});
      }
      continue;
    }

    // Owned elsewhere, or unplaced.
    if (!l) continue;
    if (is_dead(l->state)) {
      stops.push_back(StopAction{id, StopReason::not_owned});
      continue;
    }
    const std::string* owner = in.assignment->owner_of(id);
    if (!owner) continue;  // wanted but unplaced: a running copy beats none; keep it

    // Handoff away, make-before-break.
    if (t.handoff_to != *owner) {
      t.handoff_to = *owner;
      t.handoff_since = now;
      t.handoff_best = 0;
    }
    const InstanceStatus* s = remote_on(id, *owner);
    if (s && s->spec_hash == d->hash) {
      if (is_ready(s->state, *d->spec)) {
        stops.push_back(StopAction{id, StopReason::handed_off});
        continue;
      }
      const int rank = progress_rank(s->state);
      if (rank > t.handoff_best) {
        t.handoff_best = rank;
        t.handoff_since = now;
      }
    }
    if (in.health_bad) {
      t.handoff_since = now;  // stale timers do not fire: restart them
    } else if (now - t.handoff_since >= cfg_.handoff_timeout) {
      stops.push_back(StopAction{id, StopReason::handoff_timeout});
      continue;
    }
    wake(t.handoff_since + cfg_.handoff_timeout);
  }

  // --- Starts: not while own health is bad; at most max_starts_per_second. -----------------
  std::vector<Action> started;
  if (!in.health_bad) {
    std::stable_sort(starts.begin(), starts.end(),
                     [](const StartCandidate& a, const StartCandidate& b) {
                       const int pa = start_priority(a.reason), pb = start_priority(b.reason);
                       return std::tie(pa, a.id) < std::tie(pb, b.id);
                     });
    for (const auto& c : starts) {
      if (!take_start_token(now)) {
        wake(start_token_at(now));
        break;
      }
      const Desired* d = want(c.id);
      Track& t = tracks_[c.id];
      t.known = true;
      t.replacing = false;
      t.restarts = c.restarts;
      t.exited_at.reset();
      t.exit_decided = false;
      t.gave_up = false;
      t.up_since.reset();
      started.push_back(StartAction{c.id, *d->spec, d->hash, c.restarts, c.reason});
    }
  }

  // Forget bookkeeping of instances that are neither here nor owned here.
  for (auto it = tracks_.begin(); it != tracks_.end();) {
    if (!local.count(it->first) && !ids.count(it->first)) {
      it = tracks_.erase(it);
    } else {
      ++it;
    }
  }

  plan.actions.reserve(stops.size() + marks.size() + adopts.size() + started.size());
  for (auto* group : {&stops, &marks, &adopts, &started}) {
    for (auto& a : *group) plan.actions.push_back(std::move(a));
  }
  return plan;
}

}  // namespace shoal::placement
