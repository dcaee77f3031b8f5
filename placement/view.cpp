#include "placement/view.hpp"

#include <algorithm>

namespace shoal::placement {

const std::string* Assignment::owner_of(const InstanceId& id) const {
  auto it = std::lower_bound(instances.begin(), instances.end(), id,
                             [](const Placed& p, const InstanceId& key) { return p.id < key; });
  if (it == instances.end() || it->id != id || !it->owner) return nullptr;
  return &*it->owner;
}

}  // namespace shoal::placement
