// What placement knows of a member: its name, state and the metadata it gossips. One conversion
// for the peer (node/api_json's make_view) and the simulator, so both place from the same view.
// Pure code (sim/ compiles it too).
#pragma once

#include <string>
#include <vector>

#include "config/spec.hpp"

#include "gossip/types.hpp"
#include "placement/view.hpp"

namespace shoal::node {

placement::MemberState placement_state(gossip::MemberState s);
placement::Peer placement_peer(const std::string& name, gossip::MemberState state,
                               const gossip::Meta& meta);

// The placement view as a peer sees it: every member (dead and left included, placement
// filters them) with its metadata, and the given services, by name.
placement::View make_view(const gossip::Members& members,
                          std::vector<config::ServiceSpec> services);

}  // namespace shoal::node
