#include "node/instance_changes.hpp"

namespace shoal::node {

void InstanceChanges::add(const placement::PeerStatus& before, const placement::PeerStatus& after) {
  const auto& b = before.instances;
  const auto& a = after.instances;
  std::size_t i = 0, j = 0;
  while (i < b.size() || j < a.size()) {
    if (j == a.size() || (i < b.size() && b[i].id < a[j].id)) {
      ++stops;
      ++i;
    } else if (i == b.size() || a[j].id < b[i].id) {
      ++starts;
      ++j;
    } else {
      if (a[j].restarts > b[i].restarts) {
        restarts += static_cast<std::uint64_t>(a[j].restarts - b[i].restarts);
      }
      ++i;
      ++j;
    }
  }
}

}  // namespace shoal::node
