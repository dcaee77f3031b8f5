#include "node/runner.hpp"

#include <algorithm>
#include <chrono>
#include <type_traits>

#include "placement/instance_state.hpp"
#include "placement/spec_hash.hpp"

namespace shoal::node {

using placement::InstanceState;

namespace {
constexpr config::Millis kStopMargin = 5000;    // past stop_grace before force_stop
constexpr config::Millis kForceRecheck = 1000;  // after force_stop, re-list and force again
constexpr config::Millis kStopBackoffMax = 30000;
constexpr config::Millis kRelistInterval = 5000;  // looking for untracked instances
// Start-first: an outgoing copy leaves status (so the catalog and DNS) this long before it is
// stopped, so that clients resolving through DNS (HAProxy: 1 s hold) have moved away.
constexpr config::Millis kOutgoingDrain = 2000;

config::Millis stop_backoff(int failures) {
  config::Millis d = 1000;
  for (int i = 1; i < failures && d < kStopBackoffMax; ++i) d *= 2;
  return std::min(d, kStopBackoffMax);
}
}  // namespace

Runner::Runner(std::string self, runtime::Driver& driver, config::PeerConfig::Reconcile cfg,
               std::function<void(std::string_view)> log, ProbeOptions probes)
    : self_(std::move(self)),
      driver_(driver),
      reconciler_(cfg),
      log_(std::move(log)),
      probes_(std::make_unique<ProbePool>(probes.max_concurrent, std::move(probes.on_done))) {
  for (const runtime::Instance& inst : driver_.list()) {
    if (inst.labels.peer == self_) adopt(inst, "from a previous run");
  }
}

void Runner::adopt(const runtime::Instance& inst, const std::string& why) {
  Local l;
  l.driver_id = inst.id;
  l.local.id = {inst.labels.service, static_cast<std::uint32_t>(inst.labels.index)};
  l.local.spec_hash = inst.labels.spec_hash;
  l.local.state = InstanceState::running;
  for (const auto& p : inst.ports) l.host_ports[p.name] = p.host;
  l.ports = inst.ports;
  if (auto old = local_.find(l.local.id); old != local_.end()) l.restarts = old->second.restarts;
  say("found " + l.local.id.to_string() + " (" + inst.id + ") " + why);
  local_[l.local.id] = std::move(l);
}

// A listing can fail and read as empty (the process driver's opendir under EMFILE), so what
// the constructor or a re-list after a force-stop missed may still run. Every kRelistInterval
// (and at the first step) the driver's list is compared with what is tracked: an instance of
// this peer nothing tracks is adopted when no live copy of its id is tracked (the reconciler
// then keeps or stops it), and otherwise stopped and retired as a second copy. A refused stop
// is tried again at the next re-list.
void Runner::relist() {
  if (now_ < next_relist_) return;
  next_relist_ = now_ + kRelistInterval;
  std::set<std::string> known;
  for (const auto& [id, l] : local_) known.insert(l.driver_id);
  for (const auto& [driver_id, r] : retiring_) known.insert(driver_id);
  for (const auto& [id, l] : outgoing_) known.insert(l.driver_id);
  for (const runtime::Instance& inst : driver_.list()) {
    if (inst.labels.peer != self_ || known.count(inst.id) > 0) continue;
    const placement::InstanceId id{inst.labels.service,
                                   static_cast<std::uint32_t>(inst.labels.index)};
    auto it = local_.find(id);
    if (it == local_.end() || it->second.driver_id.empty() ||
        it->second.local.state == InstanceState::exited) {
      adopt(inst, "running untracked");
      continue;
    }
    const config::Millis grace = std::max<config::Millis>(it->second.stop_grace, 0);
    if (auto s = driver_.stop(inst.id, grace); !s.ok()) {
      say("stop of untracked copy " + inst.id + " of " + id.to_string() + " failed: " +
          s.error().message);
      continue;
    }
    say("stopping untracked copy " + inst.id + " of " + id.to_string());
    retiring_[inst.id] = Retiring{id, now_ + grace + kStopMargin, false};
  }
}

// The probe threads end (each probe within its timeout) before the driver they call goes.
Runner::~Runner() { probes_.reset(); }

bool Runner::await_probes(config::Millis timeout_ms, std::size_t results) {
  return probes_->wait_results(results == 0 ? probing_.size() : results,
                               std::chrono::milliseconds(timeout_ms));
}

void Runner::say(const std::string& line) const {
  if (log_) log_(line);
}

void Runner::poll_driver() {
  for (const runtime::Exit& e : driver_.poll()) {
    if (auto r = retiring_.find(e.id); r != retiring_.end()) {
      say("replaced copy of " + r->second.id.to_string() + " ended");
      retiring_.erase(r);
      continue;
    }
    placement::InstanceId id{e.labels.service, static_cast<std::uint32_t>(e.labels.index)};
    if (auto o = outgoing_.find(id); o != outgoing_.end() && o->second.driver_id == e.id) {
      say("outgoing copy of " + id.to_string() + " ended");
      outgoing_.erase(o);
      continue;
    }
    auto it = local_.find(id);
    if (it == local_.end() || it->second.driver_id != e.id) continue;
    Local& l = it->second;
    if (e.reason == runtime::Exit::Reason::stopped && !l.health_kill) {
      say("stopped " + id.to_string());
      local_.erase(it);
      continue;
    }
    record_exit(l, e.exit_code >= 0 ? e.exit_code : 128 + e.signal);
    l.health.reset();
    if (l.health_kill) {
      // Stopped for failing its health check: a failure for the restart policy.
      if (l.local.exit_code == 0) l.local.exit_code = 1;
      l.health_kill = false;
      say("exited " + id.to_string() + " (stopped: unhealthy, code " +
          std::to_string(l.local.exit_code) + ")");
      continue;
    }
    say("exited " + id.to_string() + " (" + runtime::to_string(e.reason) + ", code " +
        std::to_string(l.local.exit_code) + ")");
  }
}

void Runner::learn_checks(const RunnerInputs& in) {
  if (in.services == nullptr) return;
  std::map<std::string, std::string> hashes;  // service -> spec hash, computed when needed
  for (auto& [id, l] : local_) {
    if (l.check_known) continue;
    const std::string& service = id.service;  // (a structured binding: clang cannot capture it)
    auto spec = std::find_if(in.services->begin(), in.services->end(),
                             [&](const config::ServiceSpec& s) { return s.name == service; });
    if (spec == in.services->end()) continue;
    auto h = hashes.find(id.service);
    if (h == hashes.end()) h = hashes.emplace(id.service, placement::spec_hash(*spec)).first;
    if (h->second != l.local.spec_hash) continue;  // a stale copy: replaced, not probed
    l.check_known = true;
    l.check = spec->health;
    l.stop_grace = spec->stop_grace;
    if (placement::has_health(*spec) && l.local.state == InstanceState::running) {
      l.health.emplace(l.check, in.now);  // found from a previous run: probe it at once
      l.local.state = InstanceState::starting;
    }
  }
}

namespace {
bool probed_state(InstanceState s) {
  return s == InstanceState::starting || s == InstanceState::healthy ||
         s == InstanceState::unhealthy;
}
}  // namespace

// Feeds the results that came in; a result for a copy that has since ended, been stopped or
// replaced is dropped.
void Runner::collect_probes(config::Millis now) {
  for (ProbePool::Done& d : probes_->take()) {
    auto p = probing_.find(d.key);
    if (p == probing_.end()) continue;
    const placement::InstanceId id = p->second;
    probing_.erase(p);
    auto it = local_.find(id);
    if (it == local_.end() || it->second.probe != d.key) continue;
    Local& l = it->second;
    l.probe = 0;
    if (!l.health || l.health_kill || l.driver_id.empty() || !probed_state(l.local.state)) continue;
    record_probe(id, l, now, d.result);
  }
}

void Runner::record_probe(const placement::InstanceId& id, Local& l, config::Millis now,
                          const runtime::ProbeResult& r) {
  using HS = runtime::HealthTracker::State;
  if (auto changed = l.health->record(now, r.ok)) {
    switch (*changed) {
      case HS::starting: l.local.state = InstanceState::starting; break;
      case HS::healthy: l.local.state = InstanceState::healthy; break;
      case HS::unhealthy: l.local.state = InstanceState::unhealthy; break;
    }
    if (*changed == HS::unhealthy) {
      say(id.to_string() + " unhealthy after " + std::to_string(l.health->consecutive_failures()) +
          " failed checks (" + r.detail + "): stopping it");
    } else {
      say(id.to_string() + " " + runtime::to_string(*changed) + " (" + r.detail + ")");
    }
  }
  if (l.health->state() != HS::unhealthy) return;
  // Stop it; its end is then a failed exit. A stop the driver refused is retried at the next
  // failing probe.
  auto stopped = driver_.stop(l.driver_id, l.stop_grace);
  if (stopped.ok()) {
    l.health_kill = true;
  } else {
    say("stop of unhealthy " + id.to_string() + " failed: " + stopped.error().message);
  }
}

// Hands the probes due at `now` to the pool; the job holds copies of what it needs and the
// driver (which outlives the pool).
void Runner::launch_probes(config::Millis now) {
  for (auto& [id, l] : local_) {
    if (!l.health || l.health_kill || l.driver_id.empty() || l.probe != 0 || !l.health->due(now))
      continue;
    if (!probed_state(l.local.state)) continue;
    l.probe = ++probe_keys_;
    probing_[l.probe] = id;
    probes_->submit(l.probe, [&driver = driver_, check = l.check, ports = l.ports,
                              driver_id = l.driver_id] {
      runtime::ExecFn exec = [&driver, &driver_id](const std::vector<std::string>& argv,
                                                   config::Millis timeout) {
        return driver.exec_probe(driver_id, argv, timeout);
      };
      return runtime::run_probe(check, ports, exec);
    });
  }
}

std::optional<config::Millis> Runner::next_probe() const {
  std::optional<config::Millis> next;
  for (const auto& [id, l] : local_) {
    if (!l.health || l.health_kill || l.driver_id.empty() || l.probe != 0) continue;
    if (!probed_state(l.local.state)) continue;
    if (!next || l.health->next_due() < *next) next = l.health->next_due();
  }
  return next;
}

// Asks the driver to stop `l`; on a refusal, keeps its state and backs off. False when no
// stop was sent or the driver refused it.
bool Runner::request_stop(Local& l, const placement::InstanceId& id) {
  if (now_ < l.stop_retry_at) return false;
  auto s = driver_.stop(l.driver_id, l.stop_grace);
  if (!s.ok()) {
    ++l.stop_failures;
    const config::Millis wait = stop_backoff(l.stop_failures);
    l.stop_retry_at = now_ + wait;
    say("stop of " + id.to_string() + " failed (attempt " + std::to_string(l.stop_failures) +
        "): " + s.error().message + "; retrying in " + std::to_string(wait) + " ms");
    return false;
  }
  l.stop_failures = 0;
  l.stop_retry_at = 0;
  l.stop_deadline = now_ + std::max<config::Millis>(l.stop_grace, 0) + kStopMargin;
  l.forced = false;
  return true;
}

// One overdue stop: after a force_stop, a re-list that lacks it means gone (true); otherwise
// force (again) and re-list at once.
bool Runner::overdue(const std::string& driver_id, const std::string& what,
                     config::Millis& deadline, bool& forced,
                     const std::set<std::string>*& listed) {
  auto relist = [&] {
    if (listed == nullptr) {
      listed_.clear();
      for (const auto& i : driver_.list()) listed_.insert(i.id);
      listed = &listed_;
    }
    return listed->count(driver_id) > 0;
  };
  if (forced && !relist()) return true;
  auto s = driver_.force_stop(driver_id);
  deadline = now_ + kForceRecheck;
  if (!s.ok()) {
    say("force-stop of " + what + " failed: " + s.error().message);
    return false;
  }
  say(what + " did not stop in time: force-stopped");
  if (!forced) {
    forced = true;
    listed = nullptr;  // re-list after the force
  }
  return !relist();
}

void Runner::enforce_stop_deadlines() {
  const std::set<std::string>* listed = nullptr;
  for (auto it = local_.begin(); it != local_.end();) {
    Local& l = it->second;
    if (l.local.state != InstanceState::stopping || l.driver_id.empty() ||
        now_ < l.stop_deadline) {
      ++it;
      continue;
    }
    if (overdue(l.driver_id, it->first.to_string(), l.stop_deadline, l.forced, listed)) {
      say("stopped " + it->first.to_string() + " (forced)");
      it = local_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    Retiring& r = it->second;
    if (now_ < r.deadline) {
      ++it;
    } else if (overdue(it->first, "replaced copy of " + r.id.to_string(), r.deadline, r.forced,
                       listed)) {
      it = retiring_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<config::Millis> Runner::next_stop_timer() const {
  std::optional<config::Millis> next;
  auto at = [&next](config::Millis t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [id, l] : local_) {
    if (l.local.state == InstanceState::stopping) at(l.stop_deadline);
    // A back-off still running; once past, a step retries only if the reconciler still asks
    // (a wake in the past would step in a busy loop until then, or forever).
    else if (l.stop_retry_at > now_) at(l.stop_retry_at);
  }
  for (const auto& [did, r] : retiring_) at(r.deadline);
  for (const auto& [id, l] : outgoing_)
    if (l.drain_until != 0) at(std::max(l.drain_until, l.stop_retry_at));
  return next;
}

std::optional<config::Millis> Runner::step(const RunnerInputs& in) {
  now_ = in.now;
  poll_driver();
  finish_drains();
  enforce_stop_deadlines();
  relist();
  learn_checks(in);
  collect_probes(in.now);
  placement::ReconcileInputs r;
  r.now = in.now;
  r.self = self_;
  r.assignment = in.assignment;
  r.services = in.services;
  r.peers = in.peers;
  for (const auto& [id, l] : local_) r.local.push_back(l.local);
  for (const auto& [id, l] : outgoing_) {
    r.local.push_back(l.local);
    r.local.back().outgoing = true;
  }
  r.capacity = in.capacity;
  r.live_peers = in.live_peers;
  r.synced = in.synced;
  r.alone_since = in.alone_since;
  r.health_bad = in.health_bad;
  placement::Plan plan = reconciler_.step(r);
  failed_here_ = plan.failed_here;
  shed_ = plan.shed;
  for (const auto& a : plan.actions) execute(a);
  for (auto& [id, l] : local_) record_verdicts(id, l, plan);
  launch_probes(in.now);  // after the plan: nothing probes a copy this step stops
  std::optional<config::Millis> wake = plan.wake_at;
  if (auto probe = next_probe(); probe && (!wake || *probe < *wake)) wake = probe;
  if (auto stop = next_stop_timer(); stop && (!wake || *stop < *wake)) wake = stop;
  return wake;
}

void Runner::execute(const placement::Action& action) {
  ++actions_;
  std::visit(
      [this](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, placement::StartAction>) {
          // A replaced local copy still running is stopped first and tracked until it ends;
          // when the driver refuses, nothing starts (the reconciler asks again).
          if (a.keep_old) keep_outgoing(a.id);
          if (auto it = local_.find(a.id); it != local_.end() && !it->second.driver_id.empty() &&
                                           it->second.local.state != InstanceState::exited) {
            Local& old = it->second;
            if (old.local.state != InstanceState::stopping) {
              if (!request_stop(old, a.id)) return;
            }
            retiring_[old.driver_id] = Retiring{a.id, old.stop_deadline, old.forced};
          }
          runtime::InstanceSpec spec;
          spec.labels = {self_, a.id.service, static_cast<int>(a.id.index), a.spec_hash};
          spec.service = a.spec;
          Local l;
          l.local.id = a.id;
          l.local.spec_hash = a.spec_hash;
          l.stop_grace = a.spec.stop_grace;
          l.restarts = a.restarts;
          l.check_known = true;
          l.check = a.spec.health;
          auto started = driver_.start(spec);
          if (started.ok()) {
            l.driver_id = started.value().id;
            l.local.state = InstanceState::running;
            for (const auto& p : started.value().ports) l.host_ports[p.name] = p.host;
            l.ports = started.value().ports;
            if (l.check.kind != config::HealthCheck::Kind::none) {
              // First probe one interval after the start: the instance needs time to listen.
              l.health.emplace(l.check, now_ + l.check.interval);
              l.local.state = InstanceState::starting;
            }
            say("started " + a.id.to_string() + " (" + std::string(placement::to_string(a.reason)) +
                ")");
            ++counts_.starts[std::string(placement::to_string(a.reason))];
          } else {
            ++counts_.start_failures;
            l.local.state = InstanceState::exited;
            l.local.exit_code = 127;
            l.local.refused = started.error().permanent;
            say("start of " + a.id.to_string() + " failed: " + started.error().message);
          }
          local_[a.id] = std::move(l);
        } else if constexpr (std::is_same_v<T, placement::StopAction>) {
          if (a.outgoing) {
            stop_outgoing(a);
            return;
          }
          auto it = local_.find(a.id);
          if (it == local_.end()) return;
          say("stopping " + a.id.to_string() + " (" + std::string(placement::to_string(a.reason)) +
              ")");
          if (it->second.driver_id.empty() || it->second.local.state == InstanceState::exited) {
            local_.erase(it);  // nothing runs: forget it
            ++counts_.stops[std::string(placement::to_string(a.reason))];
            return;
          }
          if (!request_stop(it->second, a.id)) return;  // state kept: retried after back-off
          ++counts_.stops[std::string(placement::to_string(a.reason))];
          it->second.local.state = InstanceState::stopping;
          it->second.health_kill = false;  // its end is this stop's, not a failure
          it->second.health.reset();
        } else if constexpr (std::is_same_v<T, placement::MarkAction>) {
          auto it = local_.find(a.id);
          if (it == local_.end()) return;
          record_mark(it->second, a);
        } else if constexpr (std::is_same_v<T, placement::AdoptAction>) {
          say("adopted " + a.id.to_string());
        }
      },
      action);
}

// Start-first: the running copy of `id` becomes its outgoing copy (kept up, no longer probed)
// so the new one can start beside it.
void Runner::keep_outgoing(const placement::InstanceId& id) {
  if (auto o = outgoing_.find(id); o != outgoing_.end() && o->second.drain_until != 0 &&
                                   request_stop(o->second, id)) {
    // A newer replacement while the previous old copy drains: that one goes now.
    ++counts_.stops[o->second.drain_reason];
    retiring_[o->second.driver_id] = Retiring{id, o->second.stop_deadline, false};
    outgoing_.erase(o);
  }
  auto it = local_.find(id);
  if (it == local_.end() || it->second.driver_id.empty() || outgoing_.count(id)) return;
  const InstanceState was = it->second.local.state;
  if (placement::is_dead(was) || was == InstanceState::stopping) return;
  Local old = std::move(it->second);
  local_.erase(it);
  old.health.reset();
  old.probe = 0;
  say("keeping " + id.to_string() + " up until its new copy is ready (start-first)");
  outgoing_[id] = std::move(old);
}

void Runner::stop_outgoing(const placement::StopAction& a) {
  auto it = outgoing_.find(a.id);
  if (it == outgoing_.end() || it->second.drain_until != 0) return;
  say("draining the outgoing copy of " + a.id.to_string() + " (" +
      std::string(placement::to_string(a.reason)) + "): stopped in " +
      std::to_string(kOutgoingDrain) + " ms");
  it->second.drain_until = now_ + kOutgoingDrain;
  it->second.drain_reason = std::string(placement::to_string(a.reason));
  it->second.local.state = InstanceState::stopping;  // the reconciler leaves it alone
}

// Outgoing copies whose drain is over are stopped (a refused stop is retried after back-off).
void Runner::finish_drains() {
  for (auto it = outgoing_.begin(); it != outgoing_.end();) {
    Local& l = it->second;
    if (l.drain_until == 0 || now_ < l.drain_until || !request_stop(l, it->first)) {
      ++it;
      continue;
    }
    say("stopping the outgoing copy of " + it->first.to_string());
    ++counts_.stops[l.drain_reason];
    retiring_[l.driver_id] = Retiring{it->first, l.stop_deadline, false};
    it = outgoing_.erase(it);
  }
}

placement::PeerStatus Runner::status() const {
  std::vector<OwnRow> rows;
  rows.reserve(local_.size());
  for (const auto& [id, l] : local_) {  // std::map: sorted by id
    auto o = outgoing_.find(id);
    rows.push_back({&l, o != outgoing_.end() && o->second.drain_until == 0 ? &o->second : nullptr});
  }
  return own_status(rows, failed_here_, shed_);
}

}  // namespace shoal::node
