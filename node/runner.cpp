#include "node/runner.hpp"

#include <type_traits>

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
    if (e.reason == runtime::Exit::Reason::stopped) {
      say("stopped " + id.to_string());
      local_.erase(it);
      continue;
    }
    it->second.li.state = InstanceState::exited;
    it->second.li.exit_code = e.exit_code >= 0 ? e.exit_code : 128 + e.signal;
    it->second.marked.reset();
    say("exited " + id.to_string() + " (" + runtime::to_string(e.reason) + ", code " +
        std::to_string(it->second.li.exit_code) + ")");
  }
}

std::optional<config::Millis> Runner::step(const RunnerInputs& in) {
  poll_driver();
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
  for (const auto& a : plan.actions) execute(a);
  return plan.wake_at;
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
          auto started = driver_.start(spec);
          if (started.ok()) {
            l.driver_id = started.value().id;
            l.li.state = InstanceState::running;
            for (const auto& p : started.value().ports) l.host_ports[p.name] = p.host;
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
