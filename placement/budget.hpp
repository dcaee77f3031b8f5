// The cluster-wide instance budget, checked before placement allocates anything per instance:
// services are admitted whole, by name, while the total of their replicas stays within
// Tuning::max_instances; a service that would exceed it is not placed at all and shows as one
// unplaced record (index 0) with the reason, whatever its replica count (a spec of 10^9
// replicas costs one record). Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "placement/view.hpp"

namespace shoal::placement {

struct Budgeted {
  std::optional<View> admitted;  // set only when some service was refused (a trimmed copy)
  std::vector<Placed> refused;   // one record per refused service
};

Budgeted apply_budget(const View& view, std::size_t max_instances);

}  // namespace shoal::placement
