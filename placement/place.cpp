#include "placement/place.hpp"

#include <algorithm>

#include "placement/budget.hpp"
#include "placement/placer.hpp"

namespace shoal::placement {

Assignment place(const View& view) { return place(view, Tuning{}); }

Assignment place(const View& view, const Tuning& tuning) {
  Budgeted b = apply_budget(view, tuning.max_instances);
  detail::Placer placer(b.admitted ? *b.admitted : view, tuning);
  Assignment out = placer.run();
  if (b.refused.empty()) return out;
  for (auto& p : b.refused) out.instances.push_back(std::move(p));
  std::sort(out.instances.begin(), out.instances.end(),
            [](const Placed& a, const Placed& c) { return a.id < c.id; });
  return out;
}

}  // namespace shoal::placement
