#include "gossip/stall_gate.hpp"

namespace shoal::gossip {

bool StallGate::bad(Micros now, std::uint64_t stalls) {
  const bool grew = stalls > seen_ || (stalls < seen_ && stalls > 0);
  seen_ = stalls;
  if (grew) {
    stalled_ = true;
    last_stall_ = now;
  }
  return stalled_ && now - last_stall_ < hold_;
}

}  // namespace shoal::gossip
