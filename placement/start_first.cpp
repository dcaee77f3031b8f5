#include "placement/start_first.hpp"

#include "placement/instance_state.hpp"

namespace shoal::placement {

std::string surge_room(const config::ServiceSpec& spec, const SurgeLoad& load) {
  for (const auto& p : spec.ports)
    if (p.host) return "static host port " + p.name;
  if (spec.placement.max_per_peer > 0 && load.copies_of_service + 1 > spec.placement.max_per_peer)
    return "max_per_peer " + std::to_string(spec.placement.max_per_peer);
  const auto& cap = load.capacity;
  if (cap.cpu_milli > 0 && load.used.cpu_milli + spec.resources.cpu_milli > cap.cpu_milli)
    return "cpu";
  if (cap.memory_mib > 0 && load.used.memory_mib + spec.resources.memory_mib > cap.memory_mib)
    return "memory";
  return {};
}

bool start_first(const config::ServiceSpec& spec) {
  return spec.update && spec.update->order == config::UpdatePolicy::Order::start_first;
}

bool outgoing_done(InstanceState outgoing, const InstanceState* current,
                   const config::ServiceSpec& spec) {
  if (is_dead(outgoing)) return true;
  if (current == nullptr || *current == InstanceState::stopping) return true;
  return is_ready(*current, spec);
}

}  // namespace shoal::placement
