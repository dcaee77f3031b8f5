// How often one source host may make us answer a push-pull or state sync: each answer is our
// whole member table or store digest, so an unbounded rate is an amplifier. A token bucket per
// host (GCRA: `burst` answers at once, then one per `interval`), on the time handed in. At most
// `max_sources` hosts are tracked; a host whose bucket is full again is forgotten, and while
// every tracked host is still limited a new one is refused. Pure; not thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "gossip/types.hpp"

namespace shoal::gossip {

class ReplyLimiter {
 public:
  ReplyLimiter(int burst, Micros interval, std::size_t max_sources = 4096);
  // Whether `host` may have one more answer at `now` (monotonic); takes it when so.
  bool allow(Micros now, const std::string& host);
  std::size_t tracked() const { return due_.size(); }

 private:
  Micros interval_;
  Micros tolerance_;  // (burst - 1) * interval
  std::size_t max_sources_;
  std::map<std::string, Micros, std::less<>> due_;  // host -> when its bucket is full again
};

}  // namespace shoal::gossip
