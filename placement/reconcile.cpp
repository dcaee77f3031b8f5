#include "placement/reconcile.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "placement/instance_state.hpp"
#include "placement/rollout.hpp"
#include "placement/spec_hash.hpp"
#include "placement/start_first.hpp"

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
  bool keep_old = false;  // start-first: the running copy stays as the outgoing one
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
    case StopReason::replaced_no_room: return "replaced_no_room";
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

// One step: its inputs indexed once, then the phases in order. Holds references into the
// inputs and the Reconciler's bookkeeping for the step's duration only.
class Reconciler::Step {
 public:
  Step(Reconciler& r, const ReconcileInputs& in) : r_(r), in_(in), now_(in.now) {}

  Plan run() {
    observe_local();  // always, even while the gate is closed
    if (!pass_gate()) return std::move(plan_);
    index_inputs();
    observe_settled();
    choose_replacements();
    for (const auto& id : ids_) decide(id);
    decide_outgoing();
    take_starts();
    forget_tracks();
    shed_failing();
    list_failures();
    return assemble();
  }

 private:
  void wake(Millis t) {
    if (!plan_.wake_at || t < *plan_.wake_at) plan_.wake_at = t;
  }
  void observe_local();
  bool pass_gate();
  void index_inputs();
  const Desired* want(const InstanceId& id) const;
  const InstanceStatus* remote_on(const InstanceId& id, const std::string& peer) const;
  bool runs_elsewhere(const InstanceId& id) const;
  template <typename F>
  void for_each_remote_of(const std::string& service, F&& f) const;
  bool owner_is_self(const InstanceId& id) const { return owned_.count(id) > 0; }
  void observe_settled();
  void choose_replacements();
  void choose_rollout(const std::string& service, const std::vector<InstanceId>& stale);
  void decide(const InstanceId& id);
  void decide_owned(const InstanceId& id, const LocalInstance* l, const Desired& d, Track& t);
  void decide_exited(const InstanceId& id, const LocalInstance& l, const Desired& d, Track& t);
  void decide_elsewhere(const InstanceId& id, const LocalInstance& l, const Desired& d, Track& t);
  void replace_owned(const InstanceId& id, const Desired& d, Track& t);
  SurgeLoad surge_load(const std::string& service) const;
  void decide_outgoing();
  void take_starts();
  void forget_tracks();
  void note_failure(const InstanceId& id, const Desired& d);
  void shed_failing();
  void list_failures();
  Plan assemble();

  Reconciler& r_;
  const ReconcileInputs& in_;
  const Millis now_;
  Plan plan_;
  std::map<InstanceId, const LocalInstance*> local_;
  std::map<InstanceId, const LocalInstance*> outgoing_;  // start-first: old copies still up
  std::map<std::string, int> surges_;  // start-first copies started this step, by service
  std::map<std::string, Desired> desired_;
  std::vector<std::pair<const std::string*, const PeerStatus*>> others_;
  std::set<InstanceId> owned_;  // the ids this peer owns
  std::set<InstanceId> ids_;    // the ids to consider: every local one and every owned one
  std::set<InstanceId> replace_now_;
  std::vector<Action> stops_, marks_, adopts_, started_;
  std::vector<StartCandidate> starts_;
};

Plan Reconciler::step(const ReconcileInputs& in) { return Step(*this, in).run(); }

// What runs here: exits and (re)starts seen since the last step.
void Reconciler::Step::observe_local() {
  r_.shed_.observe(now_, in_.local);
  for (const auto& l : in_.local) {
    if (l.outgoing) {  // not tracked: decide_outgoing() stops it once the current copy is ready
      outgoing_[l.id] = &l;
      continue;
    }
    local_[l.id] = &l;
    Track& t = r_.tracks_[l.id];
    if (is_dead(l.state)) {
      if (!t.exited_at) t.exited_at = now_;
    } else if (l.state != InstanceState::stopping) {
      if (t.exited_at) {  // running again (restarted behind our back): a new run
        t.exited_at.reset();
        t.exit_decided = false;
        t.gave_up = false;
        t.up_since.reset();
      }
      if (is_up(l.state) && !t.up_since) t.up_since = now_;
    }
  }
}

// Acting waits for `synced`, or for solo_after alone; it stays open once opened.
bool Reconciler::Step::pass_gate() {
  if (r_.gate_open_) return true;
  if (in_.synced || (in_.alone_since && now_ - *in_.alone_since >= r_.cfg_.solo_after)) {
    r_.gate_open_ = true;
    return true;
  }
  if (in_.alone_since) wake(*in_.alone_since + r_.cfg_.solo_after);
  return false;
}

// Desired state, the other live peers' reports, and the ids to consider. Each PeerStatus is
// sorted by id, so lookups are binary searches; nothing here walks every remote instance (a
// step stays cheap in big clusters).
void Reconciler::Step::index_inputs() {
  for (const auto& s : *in_.services) desired_[s.name] = Desired{&s, spec_hash(s)};
  if (in_.peers) {
    for (const auto& [peer, status] : *in_.peers) {
      if (peer != in_.self && in_.live_peers.count(peer)) others_.emplace_back(&peer, &status);
    }
  }
  for (const auto& p : in_.assignment->instances) {
    if (p.owner && *p.owner == in_.self) owned_.insert(owned_.end(), p.id);  // sorted input
  }
  ids_ = owned_;
  for (const auto& [id, l] : local_) ids_.insert(id);
}

const Desired* Reconciler::Step::want(const InstanceId& id) const {
  auto it = desired_.find(id.service);
  if (it == desired_.end()) return nullptr;
  if (it->second.spec->placement.mode == config::Placement::Mode::global) {
    // Ids come from peer names: wanted while the assignment has the id (placed or not).
    const auto& all = in_.assignment->instances;
    auto at = std::lower_bound(all.begin(), all.end(), id,
                               [](const Placed& p, const InstanceId& x) { return p.id < x; });
    return at != all.end() && at->id == id ? &it->second : nullptr;
  }
  if (id.index >= static_cast<std::uint32_t>(std::max(it->second.spec->replicas, 0))) {
    return nullptr;
  }
  return &it->second;
}

const InstanceStatus* Reconciler::Step::remote_on(const InstanceId& id,
                                                  const std::string& peer) const {
  if (!in_.peers || peer == in_.self || !in_.live_peers.count(peer)) return nullptr;
  auto it = in_.peers->find(peer);
  return it == in_.peers->end() ? nullptr : it->second.find(id);
}

bool Reconciler::Step::runs_elsewhere(const InstanceId& id) const {
  for (const auto& [peer, status] : others_) {
    const InstanceStatus* s = status->find(id);
    if (s && is_live_copy(s->state)) return true;
  }
  return false;
}

// Calls f(peer, status) for every remote instance of `service`.
template <typename F>
void Reconciler::Step::for_each_remote_of(const std::string& service, F&& f) const {
  const InstanceId first{service, 0};
  for (const auto& [peer, status] : others_) {
    const auto& v = status->instances;
    auto it = std::lower_bound(
        v.begin(), v.end(), first,
        [](const InstanceStatus& x, const InstanceId& key) { return x.id < key; });
    for (; it != v.end() && it->id.service == service; ++it) f(*peer, *it);
  }
}

// Rolling replacement: which stale copy (at most one per service) to stop now. Cluster-wide
// one at a time, as far as gossip lets a peer know: only the lowest-named peer that owns a
// live stale copy of the service replaces (its "turn"), and only while no copy of the service
// at the new hash is on its way anywhere (here or in any live peer's status).
void Reconciler::Step::choose_replacements() {
  if (in_.health_bad) return;
  std::map<std::string, std::vector<InstanceId>> stale_here;  // service -> owned stale ids
  std::map<std::string, bool> busy_here;
  for (const auto& id : ids_) {
    const Desired* d = want(id);
    if (!d || !owner_is_self(id)) continue;
    auto it = local_.find(id);
    if (it == local_.end()) {
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
    if (desired_.at(service).spec->update) {  // the rolling-update policy decides
      choose_rollout(service, stale);
      continue;
    }
    if (busy_here[service]) continue;
    const Desired& d = desired_.at(service);
    bool my_turn = true;
    bool busy = false;
    for_each_remote_of(service, [&](const std::string& peer, const InstanceStatus& s) {
      if (s.spec_hash == d.hash) {
        if (is_in_flight(s.state, *d.spec)) busy = true;
      } else if (is_live_copy(s.state) && peer < in_.self) {
        const std::string* o = in_.assignment->owner_of(s.id);
        if (o && *o == peer) my_turn = false;
      }
    });
    if (!busy && my_turn) replace_now_.insert(stale.front());
  }
}

// Services with an update policy: since when each local copy is ready at its hash, whether it
// is settled (ready for min_healthy_time), and whether it is overdue (not settled within
// healthy_deadline of its first start at that hash, restarts included: a crash loop fails the
// version too); wake-ups when one will settle or fall due.
void Reconciler::Step::observe_settled() {
  for (const auto& [id, l] : local_) {
    auto it = desired_.find(id.service);
    if (it == desired_.end() || !it->second.spec->update) continue;
    Track& t = r_.tracks_[id];
    const config::UpdatePolicy& u = *it->second.spec->update;
    if (t.deadline_hash != l->spec_hash) {  // restarts at one hash keep its deadline running
      t.deadline_hash = l->spec_hash;
      t.deadline_from = now_;
      t.deadline_met = false;
    }
    bool settled = false;
    if (!is_ready(l->state, *it->second.spec)) {
      t.ready_since.reset();
    } else {
      if (!t.ready_since) t.ready_since = now_;
      settled = settled_at(now_, *t.ready_since, u.min_healthy_time);
      if (!settled) wake(*t.ready_since + u.min_healthy_time);
    }
    plan_.settled[id] = settled;
    t.deadline_met = t.deadline_met || settled;
    if (t.deadline_met) continue;
    if (now_ - t.deadline_from >= u.healthy_deadline) {
      plan_.overdue.insert(id);
    } else {
      wake(t.deadline_from + u.healthy_deadline);
    }
  }
}

// The rollout rule (placement/rollout.hpp) over every placed instance of `service`, as each
// owner reports it (this peer from its own copies); replaces the chosen ones among `stale`.
void Reconciler::Step::choose_rollout(const std::string& service,
                                      const std::vector<InstanceId>& stale) {
  const auto& all = in_.assignment->instances;
  auto it = std::lower_bound(all.begin(), all.end(), InstanceId{service, 0},
                             [](const Placed& p, const InstanceId& x) { return p.id < x; });
  std::vector<RolloutReport> reports;
  for (; it != all.end() && it->id.service == service; ++it) {
    if (!it->owner || !want(it->id)) continue;
    RolloutReport r;
    r.id = it->id;
    if (*it->owner == in_.self) {
      if (auto l = local_.find(it->id); l != local_.end()) {
        r = {it->id, true, l->second->state, l->second->spec_hash, std::nullopt, false};
        if (auto s = plan_.settled.find(it->id); s != plan_.settled.end()) r.settled = s->second;
      }
    } else if (const InstanceStatus* s = remote_on(it->id, *it->owner)) {
      r = {it->id, true, s->state, s->spec_hash, s->settled, s->overdue};
    }
    reports.push_back(std::move(r));
  }
  const Desired& d = desired_.at(service);
  for (const auto& id : replaceable_now(*d.spec, d.hash, reports)) {
    if (std::binary_search(stale.begin(), stale.end(), id)) replace_now_.insert(id);
  }
}

void Reconciler::Step::decide(const InstanceId& id) {
  auto lit = local_.find(id);
  const LocalInstance* l = lit == local_.end() ? nullptr : lit->second;
  if (l && l->state == InstanceState::stopping) return;  // already on its way out
  const Desired* d = want(id);
  Track& t = r_.tracks_[id];
  if (!d) {  // no service wants it: stop at once
    if (l) stops_.push_back(StopAction{id, StopReason::unwanted});
    return;
  }
  if (owner_is_self(id)) {
    decide_owned(id, l, *d, t);
  } else if (l) {  // owned elsewhere, or unplaced
    decide_elsewhere(id, *l, *d, t);
  }
}

// An instance this peer owns: start it, restart it after an exit, adopt it, or replace it.
void Reconciler::Step::decide_owned(const InstanceId& id, const LocalInstance* l,
                                    const Desired& d, Track& t) {
  t.handoff_to.clear();
  if (!l) {
    StartReason reason = StartReason::fresh;
    if (t.replacing) {
      reason = StartReason::replace;
    } else if (runs_elsewhere(id)) {
      reason = StartReason::handoff;
    }
    starts_.push_back({id, reason, 0});
    return;
  }
  if (is_dead(l->state)) {
    decide_exited(id, *l, d, t);
    return;
  }
  if (!t.known) {
    t.known = true;
    adopts_.push_back(AdoptAction{id});
  }
  if (replace_now_.count(id)) replace_owned(id, d, t);
}

// A stale copy the rollout picked: stop-first (stop now, start when gone), or start-first (the
// new copy starts beside it) when the policy says so and this peer has room for both; with an
// outgoing copy already up (the current copy is a newer one not yet ready), the current copy
// is replaced and the outgoing one keeps serving.
void Reconciler::Step::replace_owned(const InstanceId& id, const Desired& d, Track& t) {
  if (start_first(*d.spec)) {
    auto o = outgoing_.find(id);
    auto cur = local_.find(id);
    if (o != outgoing_.end() && o->second->state != InstanceState::stopping &&
        !outgoing_done(o->second->state, &cur->second->state, *d.spec)) {
      starts_.push_back({id, StartReason::replace, 0, false});
      return;
    }
    if (surge_room(*d.spec, surge_load(id.service)).empty()) {
      ++surges_[id.service];
      starts_.push_back({id, StartReason::replace, 0, true});
      return;
    }
  }
  t.replacing = true;
  stops_.push_back(
      StopAction{id, start_first(*d.spec) ? StopReason::replaced_no_room : StopReason::replaced});
}

// What this peer holds for a start-first copy of `service`: every local copy not yet gone
// (outgoing ones included) at its service's desired resources, plus the copies started this
// step.
SurgeLoad Reconciler::Step::surge_load(const std::string& service) const {
  SurgeLoad load;
  load.capacity = in_.capacity;
  auto add = [&](const InstanceId& id, int n) {
    auto it = desired_.find(id.service);
    if (it == desired_.end()) return;
    load.used.cpu_milli += n * it->second.spec->resources.cpu_milli;
    load.used.memory_mib += n * it->second.spec->resources.memory_mib;
    if (id.service == service) load.copies_of_service += n;
  };
  for (const auto* m : {&local_, &outgoing_})
    for (const auto& [id, l] : *m)
      if (!is_dead(l->state)) add(id, 1);
  for (const auto& [svc, n] : surges_) add(InstanceId{svc, 0}, n);
  return load;
}

// Outgoing copies (start-first) stop once their instance's current copy is ready or gone, or
// at once when no service wants the instance any more.
void Reconciler::Step::decide_outgoing() {
  for (const auto& [id, o] : outgoing_) {
    if (o->state == InstanceState::stopping) continue;
    const Desired* d = want(id);
    if (!d) {
      stops_.push_back(StopAction{id, StopReason::unwanted, true});
      continue;
    }
    auto cur = local_.find(id);
    const InstanceState* state = cur == local_.end() ? nullptr : &cur->second->state;
    if (outgoing_done(o->state, state, *d->spec))
      stops_.push_back(StopAction{id, StopReason::replaced, true});
  }
}

// An owned instance that exited: marked once per exit (pending with its retry time, exited
// for good, or failed), then restarted when its backoff is over.
void Reconciler::Step::decide_exited(const InstanceId& id, const LocalInstance& l,
                                     const Desired& d, Track& t) {
  if (!t.exit_decided) {
    const config::RestartPolicy& p = d.spec->restart;
    const Millis exited_at = t.exited_at.value_or(now_);
    if (t.up_since && exited_at - *t.up_since >= kRestartResetAfter) t.restarts = 0;
    const bool restart =
        p.condition == config::RestartPolicy::Condition::any ||
        (p.condition == config::RestartPolicy::Condition::on_failure && l.exit_code != 0);
    MarkAction m{id, InstanceState::exited, l.exit_code, t.restarts, 0};
    if (!restart) {
      t.gave_up = true;
    } else if (l.refused || (p.max_attempts > 0 && t.restarts >= p.max_attempts)) {
      m.state = InstanceState::failed;
      t.gave_up = true;
      note_failure(id, d);
    } else {
      t.retry_at = exited_at + backoff_delay(p, t.restarts);
      m.state = InstanceState::pending;
      m.retry_at = t.retry_at;
    }
    t.exit_decided = true;
    marks_.push_back(m);
  }
  if (t.gave_up) {
    // A spec change is new desired state: start the new spec afresh.
    if (l.spec_hash != d.hash) starts_.push_back({id, StartReason::replace, 0});
  } else if (now_ >= t.retry_at) {
    starts_.push_back({id, StartReason::restart, t.restarts + 1});
  } else {
    wake(t.retry_at);
  }
}

// A local instance owned by another peer: handed off make-before-break (stopped once the new
// owner's copy is ready, or after handoff_timeout without progress).
void Reconciler::Step::decide_elsewhere(const InstanceId& id, const LocalInstance& l,
                                        const Desired& d, Track& t) {
  if (is_dead(l.state)) {
    stops_.push_back(StopAction{id, StopReason::not_owned});
    return;
  }
  const std::string* owner = in_.assignment->owner_of(id);
  if (!owner) return;  // wanted but unplaced: a running copy beats none; keep it
  if (t.handoff_to != *owner) {
    t.handoff_to = *owner;
    t.handoff_since = now_;
    t.handoff_best = 0;
  }
  const InstanceStatus* s = remote_on(id, *owner);
  if (s && s->spec_hash == d.hash) {
    if (is_ready(s->state, *d.spec)) {
      stops_.push_back(StopAction{id, StopReason::handed_off});
      return;
    }
    const int rank = progress_rank(s->state);
    if (rank > t.handoff_best) {
      t.handoff_best = rank;
      t.handoff_since = now_;
    }
  }
  if (in_.health_bad) {
    t.handoff_since = now_;  // stale timers do not fire: restart them
  } else if (now_ - t.handoff_since >= r_.cfg_.handoff_timeout) {
    stops_.push_back(StopAction{id, StopReason::handoff_timeout});
    return;
  }
  wake(t.handoff_since + r_.cfg_.handoff_timeout);
}

// Starts: not while own health is bad; at most max_starts_per_second, in priority order.
void Reconciler::Step::take_starts() {
  if (in_.health_bad) return;
  std::stable_sort(starts_.begin(), starts_.end(),
                   [](const StartCandidate& a, const StartCandidate& b) {
                     const int pa = start_priority(a.reason), pb = start_priority(b.reason);
                     return std::tie(pa, a.id) < std::tie(pb, b.id);
                   });
  for (const auto& c : starts_) {
    if (!r_.take_start_token(now_)) {
      wake(r_.start_token_at(now_));
      break;
    }
    const Desired* d = want(c.id);
    Track& t = r_.tracks_[c.id];
    t.known = true;
    t.replacing = false;
    t.restarts = c.restarts;
    t.exited_at.reset();
    t.exit_decided = false;
    t.gave_up = false;
    t.up_since.reset();
    t.ready_since.reset();
    // A new copy is not settled: say so, or its status would read as an older peer's (whose
    // ready copies count as settled) until the next step.
    if (d->spec->update) plan_.settled[c.id] = false;
    started_.push_back(StartAction{c.id, *d->spec, d->hash, c.restarts, c.reason, c.keep_old});
  }
}

// Forget bookkeeping of instances that are neither here nor owned here.
void Reconciler::Step::forget_tracks() {
  for (auto it = r_.tracks_.begin(); it != r_.tracks_.end();) {
    if (!local_.count(it->first) && !ids_.count(it->first)) {
      it = r_.tracks_.erase(it);
    } else {
      ++it;
    }
  }
}

// Reschedule: a failure here is listed in status for the policy's interval (after its delay),
// unless the instance already failed on `attempts` other live peers.
void Reconciler::Step::note_failure(const InstanceId& id, const Desired& d) {
  const auto& policy = d.spec->reschedule;
  if (!policy || r_.listings_.count(id)) return;
  if (in_.peers && failed_listings(*in_.peers, in_.live_peers, id) >= policy->attempts) return;
  r_.listings_[id] = listing_for(now_, *policy);
}

// Health shedding: every instance of a shed service that runs or is owned here is listed as
// a failure is.
void Reconciler::Step::shed_failing() {
  ShedVerdict v = r_.shed_.decide(
      {now_, in_.self, in_.services, in_.assignment, in_.peers, &in_.live_peers});
  if (v.wake_at) wake(*v.wake_at);
  for (const auto& s : v.shed) {
    for (auto it = ids_.lower_bound({s.service, 0}); it != ids_.end() && it->service == s.service;
         ++it)
      if (const Desired* d = want(*it)) note_failure(*it, *d);
  }
  plan_.shed = std::move(v.shed);
}

// The listings due now go in the plan; expired ones are forgotten.
void Reconciler::Step::list_failures() {
  for (auto it = r_.listings_.begin(); it != r_.listings_.end();) {
    const FailureListing& f = it->second;
    if (now_ >= f.until) {
      it = r_.listings_.erase(it);
      continue;
    }
    if (now_ >= f.from) {
      plan_.failed_here.push_back(it->first);  // map order: sorted
      wake(f.until);
    } else {
      wake(f.from);
    }
    ++it;
  }
}

Plan Reconciler::Step::assemble() {
  plan_.actions.reserve(stops_.size() + marks_.size() + adopts_.size() + started_.size());
  for (auto* group : {&stops_, &marks_, &adopts_, &started_}) {
    for (auto& a : *group) plan_.actions.push_back(std::move(a));
  }
  return std::move(plan_);
}

}  // namespace shoal::placement
