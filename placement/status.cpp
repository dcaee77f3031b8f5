#include "placement/status.hpp"

#include <algorithm>
#include <array>

namespace shoal::placement {

namespace {

constexpr std::array<std::string_view, 9> kStateNames = {
    "pending", "starting", "running", "healthy", "unhealthy",
    "stopping", "exited", "failed", "unplaced"};

}  // namespace

std::string_view to_string(InstanceState s) {
  auto i = static_cast<std::size_t>(s);
  return i < kStateNames.size() ? kStateNames[i] : std::string_view("unknown");
}

std::optional<InstanceState> instance_state_from_string(std::string_view s) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == s) return static_cast<InstanceState>(i);
  }
  return std::nullopt;
}

const InstanceStatus* PeerStatus::find(const InstanceId& id) const {
  auto it = std::lower_bound(
      instances.begin(), instances.end(), id,
      [](const InstanceStatus& s, const InstanceId& key) { return s.id < key; });
  if (it == instances.end() || it->id != id) return nullptr;
  return &*it;
}

}  // namespace shoal::placement
