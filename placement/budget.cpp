#include "placement/budget.hpp"

#include <algorithm>
#include <string>

namespace shoal::placement {

Budgeted apply_budget(const View& view, std::size_t max_instances) {
  Budgeted out;
  std::vector<const config::ServiceSpec*> specs;
  specs.reserve(view.services.size());
  for (const auto& s : view.services) specs.push_back(&s);
  std::stable_sort(specs.begin(), specs.end(),
                   [](const auto* a, const auto* b) { return a->name < b->name; });
  std::size_t total = 0;
  for (const auto* s : specs) total += static_cast<std::size_t>(std::max(0, s->replicas));
  if (total <= max_instances) return out;

  out.admitted = View{view.peers, {}, view.avoid};
  std::size_t used = 0;
  const std::string* last = nullptr;
  for (const auto* s : specs) {
    if (last && *last == s->name) continue;  // placement keeps one spec per name
    last = &s->name;
    const auto n = static_cast<std::size_t>(std::max(0, s->replicas));
    if (n <= max_instances - used) {
      used += n;
      out.admitted->services.push_back(*s);
      continue;
    }
    Placed p;
    p.id = InstanceId{s->name, 0};
    p.reason = "over the cluster's instance budget: " + std::to_string(n) +
               " replicas, " + std::to_string(max_instances - used) + " of " +
               std::to_string(max_instances) + " instances left (services are admitted by name)";
    out.refused.push_back(std::move(p));
  }
  return out;
}

}  // namespace shoal::placement
