#include "node/peer/placement_peer.hpp"

#include <algorithm>

namespace shoal::node {

// Placement keeps its own member states (it does not depend on gossip); named one to one.
placement::MemberState placement_state(gossip::MemberState s) {
  switch (s) {
    case gossip::MemberState::alive: return placement::MemberState::alive;
    case gossip::MemberState::suspect: return placement::MemberState::suspect;
    case gossip::MemberState::dead: return placement::MemberState::dead;
    case gossip::MemberState::left: return placement::MemberState::left;
  }
  return placement::MemberState::dead;
}

placement::Peer placement_peer(const std::string& name, gossip::MemberState state,
                               const gossip::Meta& meta) {
  placement::Peer p;
  p.name = name;
  p.state = placement_state(state);
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
