#include "placement/explain.hpp"

#include "placement/budget.hpp"
#include "placement/placer.hpp"

namespace shoal::placement {

Explanation explain(const View& view, const InstanceId& id) { return explain(view, id, Tuning{}); }

Explanation explain(const View& view, const InstanceId& id, const Tuning& tuning) {
  Budgeted b = apply_budget(view, tuning.max_instances);
  for (const Placed& p : b.refused) {
    if (p.id.service != id.service) continue;
    Explanation e;
    e.id = id;
    e.exists = true;
    e.reason = p.reason;
    return e;
  }
  detail::Placer placer(b.admitted ? *b.admitted : view, tuning);
  return placer.explain(id);
}

std::string Explanation::to_string() const {
  std::string out = id.to_string() + ": ";
  if (!exists) return out + "no such instance in the view\n";
  out += owner ? "on " + *owner : "unplaced: " + reason;
  out += "\n";
  for (std::size_t k = 0; k < ranked.size(); ++k)
    out += "  " + std::to_string(k + 1) + ". " + ranked[k].peer + ": " + ranked[k].verdict + "\n";
  return out;
}

}  // namespace shoal::placement
