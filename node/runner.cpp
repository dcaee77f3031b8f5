#include "node/runner.hpp"

#include <algorithm>
#include <type_traits>

#include "placement/spec_hash.hpp"

namespace shoal::node {

using placement::InstanceState;

Runner::Runner(std::string self, runtime::Driver& driver, config::PeerConfig::Reconcile cfg,
               std::function<void(std::string_view)> log)
    : self_(std::move(self)), driver_(driver), reconciler_(cfg), log_(std::move(log)) {
  for (const runtime::Instance& inst : driver_.list()) {
    if (inst.labels.peer != self_) continue;
    Local l;
    l.driver_id = inst.id;
    l.li.id = {inst.labels.service, static_cast<std::uint32_t>(inst.labels.index)};
    l.li.spec_hash = inst.labels.spec_hash;
    l.li.state = InstanceState::running;
    for (const auto& p : inst.ports) l.host_ports[p.name] = p.host;
    l.ports = inst.ports;
    say("found " + l.li.id.to_string() + " (" + inst.id + ") from a previous run");
    local_[l.li.id] = std::move(l);
  }
}

void Runner::say(const std::string& line) const {
  if (log_) log_(line);
}

void Runner::poll_driver() {
  for (const runtime::Exit& e : driver_.poll()) {
    placement::InstanceId id{e.labels.service, static_cast<std::uint32_t>(e.labels.index)};
    auto it = local_.find(id);
    if (it == local_.end() || it->second.driver_id != e.id) continue;
    Local& l = it->second;
    if (e.reason == runtime::Exit::Reason::stopped && !l.health_kill) {
      say("stopped " + id.to_string());
      local_.erase(it);
      continue;
    }
    l.li.state = InstanceState::exited;
    l.li.exit_code = e.exit_code >= 0 ? e.exit_code : 128 + e.signal;
    l.marked.reset();
    l.health.reset();
    if (l.health_kill) {
      // Stopped for failing its health check: a failure for the restart policy.
      if (l.li.exit_code == 0) l.li.exit_code = 1;
      l.health_kill = false;
      say("exited " + id.to_string() + " (stopped: unhealthy, code " +
          std::to_string(l.li.exit_code) + ")");
      continue;
    }
    say("exited " + id.to_string() + " (" + runtime::to_string(e.reason) + ", code " +
        std::to_string(l.li.exit_code) + ")");
  }
}

void Runner::learn_checks(const RunnerInputs& in) {
  if (in.services == nullptr) return;
  std::map<std::string, std::string> hashes;  // service -> spec hash, computed when needed
  for (auto& [id, l] : local_) {
    if (l.check_known) continue;
    auto spec = std::find_if(in.services->begin(), in.services->end(),
                             [&](const config::ServiceSpec& s) { return s.name == id.service; });
    if (spec == in.services->end()) continue;
    auto h = hashes.find(id.service);
    if (h == hashes.end()) h = hashes.emplace(id.service, placement::spec_hash(*spec)).first;
    if (h->second != l.li.spec_hash) continue;  // a stale copy: replaced, not probed
    l.check_known = true;
    l.check = spec->health;
    l.stop_grace = spec->stop_grace;
    if (l.check.kind != config::HealthCheck::Kind::none && l.li.state == InstanceState::running) {
      l.health.emplace(l.check, in.now);  // found from a previous run: probe it at once
      l.li.state = InstanceState::starting;
    }
  }
}

void Runner::run_probes(config::Millis now) {
  for (auto& [id, l] : local_) {
    if (!l.health || l.health_kill || l.driver_id.empty() || !l.health->due(now)) continue;
    if (l.li.state != InstanceState::starting && l.li.state != InstanceState::healthy &&
        l.li.state != InstanceState::unhealthy) {
      continue;
    }
    const std::string driver_id = l.driver_id;
    runtime::ExecFn exec = [this, &driver_id](const std::vector<std::string>& argv,
                                              config::Millis timeout) {
      return driver_.exec_probe(driver_id, argv, timeout);
    };
    runtime::ProbeResult r = runtime::run_probe(l.check, l.ports, exec);
    using HS = runtime::HealthTracker::State;
    if (auto changed = l.health->record(now, r.ok)) {
      switch (*changed) {
        case HS::starting: l.li.state = InstanceState::starting; break;
        case HS::healthy: l.li.state = InstanceState::healthy; break;
        case HS::unhealthy: l.li.state = InstanceState::unhealthy; break;
      }
      if (*changed == HS::unhealthy) {
        say(id.to_string() + " unhealthy after " +
            std::to_string(l.health->consecutive_failures()) + " failed checks (" + r.detail +
            "): stopping it");
      } else {
        say(id.to_string() + " " + runtime::to_string(*changed) + " (" + r.detail + ")");
      }
    }
    if (l.health->state() != HS::unhealthy) continue;
    // Stop it; its end is then a failed exit. A stop the driver refused is retried at the next
    // failing probe.
    auto stopped = driver_.stop(l.driver_id, l.stop_grace);
    if (stopped.ok()) {
      l.health_kill = true;
    } else {
      say("stop of unhealthy " + id.to_string() + " failed: " + stopped.error().message);
    }
  }
}

std::optional<config::Millis> Runner::next_probe() const {
  std::optional<config::Millis> next;
  for (const auto& [id, l] : local_) {
    if (!l.health || l.health_kill || l.driver_id.empty()) continue;
    if (l.li.state != InstanceState::starting && l.li.state != InstanceState::healthy &&
        l.li.state != InstanceState::unhealthy) {
      continue;
    }
    if (!next || l.health->next_due() < *next) next = l.health->next_due();
  }
  return next;
}

std::optional<config::Millis> Runner::step(const RunnerInputs& in) {
  poll_driver();
  learn_checks(in);
  run_probes(in.now);
  placement::ReconcileInputs r;
  r.now = in.now;
  r.self = self_;
  r.assignment = in.assignment;
  r.services = in.services;
  r.peers = in.peers;
  for (const auto& [id, l] : local_) r.local.push_back(l.li);
  r.live_peers = in.live_peers;
  r.synced = in.synced;
  r.alone_since = in.alone_since;
  r.health_bad = in.health_bad;
  placement::Plan plan = reconciler_.step(r);
  now_ = in.now;
  for (const auto& a : plan.actions) execute(a);
  std::optional<config::Millis> wake = plan.wake_at;
  if (auto probe = next_probe(); probe && (!wake || *probe < *wake)) wake = probe;
  return wake;
}

void Runner::execute(const placement::Action& action) {
  ++actions_;
  std::visit(
      [this](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, placement::StartAction>) {
          // A replaced local copy (exited) is forgotten first.
          if (auto it = local_.find(a.id); it != local_.end() && !it->second.driver_id.empty() &&
                                           it->second.li.state != InstanceState::exited) {
            driver_.stop(it->second.driver_id, it->second.stop_grace);
          }
          runtime::InstanceSpec spec;
          spec.labels = {self_, a.id.service, static_cast<int>(a.id.index), a.spec_hash};
          spec.service = a.spec;
          Local l;
          l.li.id = a.id;
          l.li.spec_hash = a.spec_hash;
          l.stop_grace = a.spec.stop_grace;
          l.restarts = a.restarts;
          l.check_known = true;
          l.check = a.spec.health;
          auto started = driver_.start(spec);
          if (started.ok()) {
            l.driver_id = started.value().id;
            l.li.state = InstanceState::running;
            for (const auto& p : started.value().ports) l.host_ports[p.name] = p.host;
            l.ports = started.value().ports;
            if (l.check.kind != config::HealthCheck::Kind::none) {
              // First probe one interval after the start: the instance needs time to listen.
              l.health.emplace(l.check, now_ + l.check.interval);
              l.li.state = InstanceState::starting;
            }
            say("started " + a.id.to_string() + " (" + std::string(placement::to_string(a.reason)) +
                ")");
          } else {
            l.li.state = InstanceState::exited;
            l.li.exit_code = 127;
            say("start of " + a.id.to_string() + " failed: " + started.error().message);
          }
          local_[a.id] = std::move(l);
        } else if constexpr (std::is_same_v<T, placement::StopAction>) {
          auto it = local_.find(a.id);
          if (it == local_.end()) return;
          say("stopping " + a.id.to_string() + " (" + std::string(placement::to_string(a.reason)) +
              ")");
          if (it->second.driver_id.empty() || it->second.li.state == InstanceState::exited) {
            local_.erase(it);  // nothing runs: forget it
            return;
          }
          driver_.stop(it->second.driver_id, it->second.stop_grace);
          it->second.li.state = InstanceState::stopping;
          it->second.health_kill = false;  // its end is this stop's, not a failure
          it->second.health.reset();
        } else if constexpr (std::is_same_v<T, placement::MarkAction>) {
          auto it = local_.find(a.id);
          if (it == local_.end()) return;
          it->second.marked = a.state;
          it->second.restarts = a.restarts;
          if (a.state == InstanceState::failed) it->second.li.state = InstanceState::failed;
        } else if constexpr (std::is_same_v<T, placement::AdoptAction>) {
          say("adopted " + a.id.to_string());
        }
      },
      action);
}

placement::PeerStatus Runner::status() const {
  placement::PeerStatus st;
  for (const auto& [id, l] : local_) {
    placement::InstanceStatus s;
    s.id = id;
    s.state = l.marked && l.li.state == InstanceState::exited ? *l.marked : l.li.state;
    s.spec_hash = l.li.spec_hash;
    s.host_ports = l.host_ports;
    s.restarts = l.restarts;
    s.exit_code = l.li.exit_code;
    st.instances.push_back(std::move(s));
  }
  return st;  // std::map: sorted by id
}

}  // namespace shoal::node
