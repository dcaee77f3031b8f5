// The reconcile step's health gate (DESIGN.md, "The reconcile step", Gates): a peer that was
// stalled recently starts nothing new. "Stalled" is the engine's own verdict, Stats::stalls (a
// timer tick that came more than stall_threshold after its deadline: the process was stopped,
// swapped out or starved); a failed probe or Lifeguard's awareness score is not a stall.
// Pure: the caller hands in the time and the engine's counter on every call. Not thread-safe.
#pragma once

#include <cstdint>

#include "gossip/types.hpp"

namespace shoal::gossip {

class StallGate {
 public:
  // 10 s: after a stall the peer's view is stale until a few probe rounds and gossip have
  // refreshed it (lan: 10 probe intervals, wan: 2; the lan suspicion timeout at 5 peers is 5 s,
  // so a stale suspicion re-armed at the stall has resolved), yet short enough that a peer
  // stalled once is back to starting work well within a failover.
  static constexpr Micros kDefaultHold = 10 * kSeconds;

  explicit StallGate(Micros hold = kDefaultHold) : hold_(hold) {}

  // True while a stall was seen within `hold` of `now`: i.e. `stalls` (the engine's
  // Stats::stalls) grew at this call or at one less than `hold` ago. A counter that went down
  // (the engine was replaced by a restart) is taken as fresh; a nonzero fresh count is a stall.
  // The stall is dated when it is first seen here, so call it whenever the gate is consulted.
  bool bad(Micros now, std::uint64_t stalls);

  Micros hold() const { return hold_; }

 private:
  Micros hold_;
  std::uint64_t seen_ = 0;    // the counter at the last call
  bool stalled_ = false;      // a stall was ever seen
  Micros last_stall_ = 0;     // when the last one was seen
};

}  // namespace shoal::gossip
