// Hashes of exactly what placement reads from a peer's view (the live members with their
// metadata, and the spec/ versions), so peers with equal inputs share one placement and the
// checker can compare a view with the truth cheaply.
#pragma once

#include <cstdint>
#include <string>

#include "sim/sim_peer.hpp"

namespace shoal::sim {

std::uint64_t mix64(std::uint64_t h, std::uint64_t v);

// p.members_hash, p.placement_members_hash and p.spec_hash, recomputed when p.hash_dirty.
void refresh_input_hash(SimPeer& p);

// members_hash as a view that sees exactly the peers that are up (frozen ones too) alive would.
std::uint64_t truth_hash(const Peers& peers);

}  // namespace shoal::sim
