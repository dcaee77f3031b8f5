#include "sim/fake_runtime.hpp"

#include <algorithm>
#include <cmath>
#include <variant>

namespace shoal::sim {

using placement::InstanceState;

void FakeRuntime::peer_crashed(SimPeer& p) {
  Failover f{queue_.now(), {}, std::nullopt};
  for (const auto& [id, inst] : p.instances)
    if (inst.local.state == InstanceState::running && copies_[id] == 1) f.waiting.insert(id);
  for (const auto& [id, inst] : p.instances)
    if (inst.local.state == InstanceState::running) copies_changed(id, inst.local.spec_hash, -1);
  for (const auto& [id, inst] : p.outgoing)
    if (inst.local.state == InstanceState::running) copies_changed(id, inst.local.spec_hash, -1);
  p.instances.clear();
  p.outgoing.clear();
  if (!f.waiting.empty()) failovers_.push_back(std::move(f));
}

void FakeRuntime::peer_stopped(const SimPeer& p, Micros until) {
  Failover f{queue_.now(), {}, std::nullopt, until};
  for (const auto& [id, inst] : p.instances)
    if (inst.local.state == InstanceState::running && copies_[id] == 1) f.waiting.insert(id);
  if (!f.waiting.empty()) stop_failovers_.push_back(std::move(f));
}

bool FakeRuntime::started(SimPeer& p, std::uint32_t i, std::uint64_t serial) {
  if (!p.up) return false;
  for (auto& [id, inst] : p.instances) {
    if (inst.serial != serial || inst.local.state != InstanceState::starting) continue;
    bool broken = false;
    for (const auto& r : rollouts_) broken = broken || (r.broken && r.hash == inst.local.spec_hash);
    if (broken) {  // a version that never turns healthy: it exits as it starts
      node::record_exit(inst, 1);
      return true;
    }
    inst.local.state = InstanceState::running;
    copies_changed(id, inst.local.spec_hash, +1);
    if (x_.crash_rate > 0) schedule_crash(p, i, serial);
    return true;
  }
  return false;
}

void FakeRuntime::schedule_crash(const SimPeer& p, std::uint32_t i, std::uint64_t serial) {
  // Exponential time to the next crash (rate per instance-hour). libm decides only the
  // simulator's own workload here, never anything peers must agree on.
  const double u = (static_cast<double>(rng_.below(1ULL << 53)) + 1.0) / 9007199254740993.0;
  const double hours = -std::log(u) / x_.crash_rate;
  const double us = std::min(hours * 3600e6, 1e15);
  queue_.push_at(queue_.now() + std::max<Micros>(1, static_cast<Micros>(us)), Ev::instance_crash, i,
                 static_cast<std::uint32_t>(serial), p.gen);
}

bool FakeRuntime::exited(SimPeer& p, std::uint64_t serial) {
  if (!p.up) return false;
  for (auto& [id, inst] : p.outgoing) {  // an outgoing copy crashed: it is simply gone
    if (inst.serial != serial || inst.local.state != InstanceState::running) continue;
    ++instance_crashes_;
    copies_changed(id, inst.local.spec_hash, -1);
    p.outgoing.erase(id);
    return true;
  }
  for (auto& [id, inst] : p.instances) {
    if (inst.serial != serial || inst.local.state != InstanceState::running) continue;
    node::record_exit(inst, 1);
    ++instance_crashes_;
    copies_changed(id, inst.local.spec_hash, -1);
    return true;
  }
  return false;
}

bool FakeRuntime::apply(SimPeer& p, std::uint32_t i, const placement::Plan& plan) {
  bool changed = false;
  for (const auto& a : plan.actions) {
    if (const auto* stop = std::get_if<placement::StopAction>(&a)) {
      auto& from = stop->outgoing ? p.outgoing : p.instances;
      auto it = from.find(stop->id);
      if (it == from.end()) continue;
      if (it->second.local.state == InstanceState::running)
        copies_changed(stop->id, it->second.local.spec_hash, -1);
      from.erase(it);
      changed = true;
    } else if (const auto* mark = std::get_if<placement::MarkAction>(&a)) {
      auto it = p.instances.find(mark->id);
      if (it == p.instances.end()) continue;
      node::record_mark(it->second, *mark);
      changed = true;
    } else if (const auto* start = std::get_if<placement::StartAction>(&a)) {
      auto it = p.instances.find(start->id);
      if (start->keep_old && it != p.instances.end() && !p.outgoing.count(start->id) &&
          it->second.local.state == InstanceState::running) {
        p.outgoing[start->id] = std::move(it->second);  // start-first: it keeps running
      } else if (it != p.instances.end() && it->second.local.state == InstanceState::running) {
        copies_changed(start->id, it->second.local.spec_hash, -1);
      }
      SimPeer::Instance inst;
      inst.local.id = start->id;
      inst.local.spec_hash = start->spec_hash;
      inst.local.state = InstanceState::starting;
      inst.serial = next_serial_++;
      inst.restarts = start->restarts;
      for (const auto& port : start->spec.ports)  // a dynamic one: the next of 32768-60999
        inst.host_ports[port.name] = port.host ? *port.host : static_cast<std::uint16_t>(32768 + next_port_++ % 28232);
      queue_.push_at(queue_.now() + x_.start_delay, Ev::instance_up, i,
                     static_cast<std::uint32_t>(inst.serial), p.gen);
      p.instances[start->id] = std::move(inst);
      changed = true;
    }
  }
  p.failed_here = plan.failed_here;
  p.shed = plan.shed;
  for (auto& [id, inst] : p.instances) {
    node::record_verdicts(id, inst, plan);
    if (inst.overdue) overdue(id, inst.local.spec_hash);
  }
  return changed;
}

void FakeRuntime::integrate_unavailable() {
  if (!all_running_at_) return;
  const Micros now = queue_.now();
  unavailable_us_ += static_cast<double>(desired_ - std::min(desired_, running_)) *
                     static_cast<double>(now - unavailable_since_);
  unavailable_since_ = now;
}

void FakeRuntime::begin_rollout(const Peers& peers, const std::string& service,
                                const std::string& hash, std::size_t replicas, int parallelism,
                                bool broken) {
  Rollout r{service, hash, queue_.now(), replicas, parallelism, available_[service], {}, 0, {},
            available_[service], broken, {}};
  for (const auto& p : peers)
    for (const auto& [id, inst] : p.instances)
      r.old_copies += p.up && id.service == service && inst.local.state == InstanceState::running &&
                      inst.local.spec_hash != hash;
  rollouts_.push_back(std::move(r));
}

void FakeRuntime::overdue(const placement::InstanceId& id, const std::string& hash) {
  for (auto& r : rollouts_)
    if (!r.failed && r.service == id.service && r.hash == hash) r.failed = queue_.now();
}

void FakeRuntime::rollout_changed(const placement::InstanceId& id, const std::string& hash,
                                  int delta) {
  for (auto& r : rollouts_) {
    if (r.done || r.service != id.service) continue;
    if (hash != r.hash) r.old_copies += delta;
    const std::size_t now_available = available_[id.service];
    r.min_available = std::min(r.min_available, now_available);
    const auto bucket = static_cast<std::size_t>((queue_.now() - r.at) / (10 * gossip::kSeconds));
    if (r.min_by_10s.size() <= bucket) r.min_by_10s.resize(bucket + 1, r.last);  // unchanged since
    r.min_by_10s[bucket] = std::min(r.min_by_10s[bucket], now_available);
    r.last = now_available;
    if (r.old_copies == 0 && now_available >= r.replicas) r.done = queue_.now();
    if (r.failed && !r.reverted && now_available >= r.replicas) r.reverted = queue_.now();
  }
}

void FakeRuntime::copies_changed(const placement::InstanceId& id, const std::string& hash,
                                 int delta) {
  integrate_unavailable();
  int& c = copies_[id];
  const int old = c;
  c += delta;
  if (old == 0 && c >= 1) ++running_, ++available_[id.service];
  if (old >= 1 && c == 0) --running_, --available_[id.service];
  if (!rollouts_.empty()) rollout_changed(id, hash, delta);
  if (old < 2 && c >= 2) ++duplicated_;
  if (old >= 2 && c < 2) --duplicated_;
  duplicates_max_ = std::max(duplicates_max_, duplicated_);
  if (c == 0) copies_.erase(id);
  if (old == 0 && delta > 0) {
    for (auto& f : failovers_) {
      if (f.done || !f.waiting.erase(id)) continue;
      if (f.waiting.empty()) f.done = queue_.now();
    }
  }
  if (delta > 0) {  // the frozen peer starts nothing: a new copy is elsewhere
    for (auto& f : stop_failovers_) {
      if (f.done || queue_.now() >= f.until || !f.waiting.erase(id)) continue;
      if (f.waiting.empty()) f.done = queue_.now();
    }
  }
  if (!all_running_at_ && running_ >= desired_ && desired_ > 0) {
    all_running_at_ = queue_.now();
    unavailable_since_ = queue_.now();
  }
}

placement::PeerStatus own_status(const SimPeer& p) {
  std::vector<node::OwnRow> rows;
  rows.reserve(p.instances.size());
  for (const auto& [id, inst] : p.instances) {  // ordered by id
    auto o = p.outgoing.find(id);  // an old copy serves until the reconciler stops it
    rows.push_back({&inst, o != p.outgoing.end() ? &o->second : nullptr});
  }
  return node::own_status(rows, p.failed_here, p.shed);
}

}  // namespace shoal::sim
