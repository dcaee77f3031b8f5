// placement::place: the pure function view -> assignment (which peer owns each instance).
//
// Every peer with an equal view computes an equal assignment, whatever the order of the
// view's vectors. The algorithm (version kAlgorithmVersion) is a protocol: its hashes and
// arithmetic are fixed (see hash.hpp) and pinned by golden tests. In brief:
//  - eligible peers: alive or suspect, ready, schedulable, the service's constraints, and the
//    algorithm version equal to the lowest among alive/suspect members;
//  - instances in a canonical order: home services first, then the rest, each by hash;
//  - a home service's instance stays on its home peer while eligible with room; otherwise,
//    and for every other instance, weighted rendezvous hashing (weight = isqrt(cpu * memory)
//    capacity, fixed point) picks the best-ranked peer with room (cpu and memory requests,
//    max_per_peer, static host ports) whose dominant load stays within balance x its fair
//    share (bounded loads; when no peer is under the cap, the best-ranked peer with room);
//  - spread = "zone": per-zone quotas (replicas split evenly over the eligible zones) first,
//    then rendezvous within each zone;
//  - past Tuning::subset_above eligible peers, an instance ranks a hash-chosen group of peers
//    first (about 512 of them) and falls back to the others only when none of them fits;
//  - what fits nowhere is unplaced, with a reason; nothing is forced onto a full peer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "placement/view.hpp"

namespace shoal::placement {

inline constexpr std::uint32_t kAlgorithmVersion = 1;

// The knobs of version 1. place(view) uses the defaults, which are part of the protocol;
// other values exist for the simulator's sweeps and for tests.
struct Tuning {
  std::uint32_t balance_num = 5;     // balance cap = num / den x fair share (1.25);
  std::uint32_t balance_den = 4;     // num == 0 disables the cap (plain capacity-checked HRW)
  std::size_t subset_above = 1024;   // eligible peers past which a candidate group is ranked
};

Assignment place(const View& view);
Assignment place(const View& view, const Tuning& tuning);

}  // namespace shoal::placement
