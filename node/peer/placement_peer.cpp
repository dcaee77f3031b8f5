#include "node/peer/placement_peer.hpp"

#include <algorithm>

namespace shoal::node {

placement::Peer placement_peer(const std::string& name, gossip::MemberState state,
                               const gossip::Meta& meta) {
  placement::Peer p;
  p.name = name;
  p.state = static_cast<placement::MemberState>(state);  // same order: alive..left
  p.ready = meta.ready;
  p.schedulable = meta.schedulable;
  p.zone = meta.zone;
  p.labels = meta.labels;
  p.cpu_milli = meta.cpu_milli;
  p.memory_mib = meta.memory_mib;
  p.algorithm_version = meta.algorithm_version;
  return p;
}

placement::View make_view(const gossip::Members& members,
                          std::vector<config::ServiceSpec> services) {
  placement::View v;
  for (const auto& [name, m] : members) v.peers.push_back(placement_peer(name, m.state, m.meta));
  std::sort(services.begin(), services.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  v.services = std::move(services);
  return v;
}

}  // namespace shoal::node
