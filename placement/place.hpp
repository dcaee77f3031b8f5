// placement::place: the pure function view -> assignment (which peer owns each instance).
//
// Every peer with an equal view computes an equal assignment, whatever the order of the
// view's vectors. The algorithm (version kAlgorithmVersion) is a protocol: its hashes and
// arithmetic are fixed (see hash.hpp) and pinned by golden tests. In brief:
//  - eligible peers: alive or suspect, ready, schedulable, the service's constraints, and the
//    algorithm version equal to the lowest among alive/suspect members;
//  - each instance ranks the peers by weighted rendezvous hashing: key = -ln(u) / weight in
//    fixed point (u from mixing the instance's and the peer's hashes), weight = the peer's
//    capacity in units of the workload's cpu:memory mix, min(cpu, memory x rho). It ranks every
//    peer of the view that passes its constraints, eligible or not: an ineligible one (dead,
//    not ready, draining...) keeps its rank and is skipped, so a peer failing shifts nobody
//    else's ranks (and with them the greedy's order) until it is forgotten;
//  - a greedy in rounds: every instance proposes to its peers best-ranked first, and the
//    proposals are taken in one global order (home instances first, then the rest; then by
//    the proposal's rank in its instance's ranking, so every first choice is served before
//    any second choice; then by key), so the result depends on hashes only. A peer takes a
//    proposal if it has room (cpu and memory requests, max_per_peer, static host ports) and
//    stays within the balance cap
//    (bounded loads: its dominant load <= balance x the target share; an empty peer always
//    takes one). A peer that refuses a proposal for the balance cap alone is closed: it takes
//    nothing more under the cap, so its fill does not hinge on which small instance comes
//    next, and an instance displaced elsewhere rarely lands on it. An instance no peer under
//    the cap can take goes, in a second pass, to its best-ranked peer with room;
//  - a home service's instance goes first to its home peer while eligible with room (the cap
//    does not apply there), else like any other;
//  - spread (version 2), per service: "auto" (the default) is "zone" when a ranked peer
//    declares a zone, else "peer". "peer": a peer takes an instance of the service while it
//    holds fewer than its cap, 1 while the ranked peers (eligible or not) outnumber the
//    replicas, else its weighted share of them rounded up; "zone" adds quotas: replicas split
//    evenly over the zones, then rendezvous within the zones, in the instance's zone order
//    (explicit "zone": hard quotas, as in version 1; "auto": soft). Spread is soft: an instance
//    that no peer with room takes under the caps retries at the next level (caps + 1, quotas
//    + 1 for "auto"), after its spill over the balance cap; "none" turns it off;
//  - two phases, so that a peer failing moves its instances only: phase A places everything
//    as if every ranked peer were eligible (a dead or draining peer keeps its capacity and its
//    instances there); phase B takes the instances phase A gave to ineligible peers and places
//    them, in the same global order, on the eligible peers with what phase A left (zone quotas
//    recomputed over the zones with an eligible peer). Exact when every other peer was
//    eligible before and the balance cap's base does not switch (below); an instance already
//    moved by an earlier failure may move again; a join changes phase A (measured in
//    tests/placement/place_spread_test.cpp);
//  - mode = "global": one instance on each eligible peer that passes the constraints, placed
//    before the ranking (the caps do not apply), id = 31 bits of the peer's name hash (the next
//    free one on a collision, in name order); unplaced, with the reason, when its peer has no
//    room;
//  - past Tuning::subset_above ranked peers, an instance ranks a hash-chosen group of peers
//    first (128 to 255 of them) and falls back to the others only when none of them fits;
//  - what fits nowhere is unplaced, with a reason; nothing is forced onto a full peer.
// The target share counts every peer of the view (dead ones too, until forgotten), so a peer
// failing changes no other peer's limit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "placement/view.hpp"

namespace shoal::placement {

// Version 2: spread, the two phases, global mode. A peer is eligible only on the lowest
// version among the live members, so in a cluster mid-upgrade the peers of version 2 run
// nothing until the last peer of version 1 is gone (version 1 is not kept selectable).
inline constexpr std::uint32_t kAlgorithmVersion = 2;

// The knobs of version 1. place(view) uses the defaults, which are part of the protocol;
// other values exist for the simulator's sweeps and for tests.
struct Tuning {
  std::uint32_t balance_num = 5;     // balance cap = num / den x fair share (1.25);
  std::uint32_t balance_den = 4;     // num == 0 disables the cap (plain capacity-checked HRW)
  std::size_t subset_above = 512;    // ranked peers past which a candidate group is ranked
  std::size_t max_instances = 100'000;  // cluster-wide instance budget (placement/budget.hpp)
};

Assignment place(const View& view);
Assignment place(const View& view, const Tuning& tuning);

}  // namespace shoal::placement
