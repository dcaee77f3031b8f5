#include "placement/health_shed.hpp"

#include <algorithm>

#include "placement/reconcile.hpp"

namespace shoal::placement {

void HealthShed::observe(config::Millis now, const std::vector<LocalInstance>& local) {
  std::map<InstanceId, InstanceState> seen;
  for (const auto& l : local) {
    if (l.outgoing) continue;
    seen[l.id] = l.state;
    if (l.state != InstanceState::unhealthy) continue;
    auto was = last_.find(l.id);
    if (was != last_.end() && was->second == InstanceState::unhealthy) continue;
    Record& r = services_[l.id.service];
    if (r.hash != l.spec_hash) r = Record{};  // another version: earlier evidence says nothing
    r.at.push_back(now);
    if (r.at.size() > kMaxKept) r.at.pop_front();
    r.hash = l.spec_hash;
  }
  last_ = std::move(seen);  // instances no longer here are forgotten
}

bool HealthShed::healthy_elsewhere(const ShedInputs& in, const std::string& service,
                                   const std::string& hash) const {
  if (in.peers == nullptr) return false;
  const auto& all = in.assignment->instances;
  auto it = std::lower_bound(all.begin(), all.end(), InstanceId{service, 0},
                             [](const Placed& p, const InstanceId& x) { return p.id < x; });
  for (; it != all.end() && it->id.service == service; ++it) {
    if (!it->owner || *it->owner == in.self || !in.live->count(*it->owner)) continue;
    auto st = in.peers->find(*it->owner);
    if (st == in.peers->end()) continue;
    const InstanceStatus* s = st->second.find(it->id);
    if (s && s->state == InstanceState::healthy && s->spec_hash == hash) return true;
  }
  return false;
}

ShedVerdict HealthShed::decide(const ShedInputs& in) {
  ShedVerdict v;
  std::map<std::string, const config::ServiceSpec*> specs;
  for (const auto& s : *in.services)
    if (s.reschedule && services_.count(s.name)) specs[s.name] = &s;
  std::vector<std::string> failing;
  for (auto it = services_.begin(); it != services_.end();) {
    auto spec = specs.find(it->first);
    Record& r = it->second;
    if (spec != specs.end()) {
      const config::Millis interval = spec->second->reschedule->interval;
      while (!r.at.empty() && in.now - r.at.front() >= interval) r.at.pop_front();
      if (!r.at.empty() && (!v.wake_at || r.at.front() + interval < *v.wake_at))
        v.wake_at = r.at.front() + interval;
    }
    if (spec == specs.end() || r.at.empty()) {
      it = services_.erase(it);
      continue;
    }
    if (r.shed || healthy_elsewhere(in, it->first, r.hash)) failing.push_back(it->first);
    ++it;
  }
  for (const auto& name : failing) {
    Record& r = services_.at(name);
    const bool own = static_cast<int>(r.at.size()) >= specs.at(name)->reschedule->attempts;
    if (!r.shed && (own || failing.size() >= 2)) {
      r.shed = true;
      r.host = !own;
    }
    if (r.shed) v.shed.push_back({name, static_cast<int>(r.at.size()), r.host});
  }
  return v;
}

}  // namespace shoal::placement
