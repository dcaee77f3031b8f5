#include "node/peer/apply_plan.hpp"

#include <algorithm>
#include <map>

#include "placement/contained.hpp"
#include "placement/rollout.hpp"
#include "placement/spec_hash.hpp"

namespace shoal::node {

namespace {

using Owners = std::map<std::uint32_t, const placement::Placed*>;

Owners owners_of(const placement::Assignment& a, const std::string& service) {
  Owners out;
  for (const auto& p : a.instances)
    if (p.id.service == service) out[p.id.index] = &p;
  return out;
}

const config::ServiceSpec* find_spec(const std::vector<config::ServiceSpec>& specs,
                                     const std::string& name) {
  for (const auto& s : specs)
    if (s.name == name) return &s;
  return nullptr;
}

PlannedInstance plan_instance(std::uint32_t index, const placement::Placed* before,
                              const placement::Placed* after, bool replaced) {
  PlannedInstance p;
  p.index = index;
  if (before != nullptr) p.from = before->owner;
  if (after != nullptr) p.to = after->owner;
  if (after == nullptr) {
    p.action = "stop";  // past the new replica count
  } else if (!after->owner) {
    p.action = "unplaced";
    p.reason = after->reason;
  } else if (!p.from) {
    p.action = "start";
  } else if (*p.from != *p.to) {
    p.action = "move";
  } else {
    p.action = replaced ? "restart" : "keep";
  }
  return p;
}

// A changed spec held by canaries (node/peer/canary.hpp): its N lowest-ranked placed
// instances restart now, the others' restarts wait for `shoal promote`.
void mark_canaries(PlannedService& ps, int canaries) {
  if (canaries <= 0) return;
  int rank = 0;
  for (PlannedInstance& i : ps.instances) {
    if (!i.to) continue;
    const bool canary = rank++ < canaries;
    if (i.action == "restart") i.reason = canary ? "canary" : "after shoal promote";
  }
}

}  // namespace

ApplyPlan plan_apply(const placement::View& view, const placement::Assignment& now,
                     const std::vector<config::ServiceSpec>& next) {
  placement::View changed = view;
  for (const auto& sv : next) {
    auto it = std::find_if(changed.services.begin(), changed.services.end(),
                           [&](const auto& s) { return s.name == sv.name; });
    if (it == changed.services.end()) changed.services.push_back(sv);
    else *it = sv;
  }
  const placement::Assignment after = placement::place_contained(changed).assignment;
  ApplyPlan plan;
  for (const auto& sv : next) {
    PlannedService ps;
    ps.service = sv.name;
    const config::ServiceSpec* current = find_spec(view.services, sv.name);
    ps.spec_hash_next = placement::spec_hash(sv);
    if (current != nullptr) ps.spec_hash_now = placement::spec_hash(*current);
    ps.change = current == nullptr                          ? "new"
                : ps.spec_hash_now != ps.spec_hash_next ? "changed"
                                                        : "unchanged";
    const Owners before = owners_of(now, sv.name), later = owners_of(after, sv.name);
    std::map<std::uint32_t, bool> indexes;
    for (const auto& [i, p] : before) indexes[i] = true;
    for (const auto& [i, p] : later) indexes[i] = true;
    for (const auto& [i, unused] : indexes) {
      auto b = before.find(i);
      auto a = later.find(i);
      ps.instances.push_back(plan_instance(i, b == before.end() ? nullptr : b->second,
                                           a == later.end() ? nullptr : a->second,
                                           ps.change == "changed"));
    }
    if (ps.change == "changed") mark_canaries(ps, placement::canaries_of(sv));
    plan.services.push_back(std::move(ps));
  }
  // The others: same spec, so an owner that changes is a move (or an unplaced one).
  std::map<std::string, PlannedService> others;
  std::map<placement::InstanceId, const placement::Placed*> later;
  for (const auto& p : after.instances) later[p.id] = &p;
  for (const auto& p : now.instances) {
    if (find_spec(next, p.id.service) != nullptr) continue;
    auto it = later.find(p.id);
    if (it == later.end() || it->second->owner == p.owner) continue;
    PlannedService& ps = others[p.id.service];
    ps.service = p.id.service;
    ps.change = "unchanged";
    ps.instances.push_back(plan_instance(p.id.index, &p, it->second, false));
  }
  for (auto& [name, ps] : others) plan.others.push_back(std::move(ps));
  return plan;
}

nlohmann::json apply_plan_json(const ApplyPlan& plan) {
  using J = nlohmann::json;
  auto opt = [](const std::optional<std::string>& s) { return s ? J(*s) : J(); };
  auto text = [](const std::string& s) { return s.empty() ? J() : J(s); };
  auto list = [&](const std::vector<PlannedService>& from) {
    J services = J::array();
    for (const auto& s : from) {
      J instances = J::array();
      for (const auto& i : s.instances) {
        instances.push_back({{"index", i.index},
                             {"from", opt(i.from)},
                             {"to", opt(i.to)},
                             {"action", i.action},
                             {"reason", i.reason}});
      }
      services.push_back({{"service", s.service},
                          {"change", s.change},
                          {"spec_hash_now", text(s.spec_hash_now)},
                          {"spec_hash_next", text(s.spec_hash_next)},
                          {"instances", std::move(instances)}});
    }
    return services;
  };
  return {{"services", list(plan.services)}, {"others", list(plan.others)}};
}

}  // namespace shoal::node
