// A cap on the members one sender can introduce: token buckets keyed by the sender's host, one
// for alive messages (gossiped one by one) and one for push-pull records (a join or anti-
// entropy exchange teaches a whole membership at once, so its burst is large: a push-pull
// join of a 10,000-member cluster passes). Members already held never count. Pure: the clock
// comes in.
//
// Bounded memory: at most kMaxSenders buckets; full (idle) ones are dropped first, and when
// every slot holds a draining bucket an unknown sender is refused until one refills.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "gossip/types.hpp"

namespace shoal::gossip {

struct IntakeRates {
  std::int64_t alive_per_s = 200, alive_burst = 2000;
  std::int64_t push_pull_per_s = 200, push_pull_burst = 50'000;
};

class IntakeLimit {
 public:
  static constexpr std::size_t kMaxSenders = 4096;
  explicit IntakeLimit(IntakeRates rates = {}) : rates_(rates) {}
  IntakeLimit(const IntakeLimit&) = delete;  // last_ points into buckets_
  IntakeLimit& operator=(const IntakeLimit&) = delete;

  // True (and one token taken) when `sender` may introduce one more member now.
  bool allow(Micros now, std::string_view sender, bool push_pull);
  std::size_t senders() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::int64_t alive = 0, push_pull = 0;  // tokens, in millionths (rate x micros)
    Micros at = 0;
  };
  void refill(Bucket& b, Micros now) const;
  bool full(const Bucket& b) const;
  void prune(Micros now);

  IntakeRates rates_;
  std::map<std::string, Bucket, std::less<>> buckets_;
  std::map<std::string, Bucket, std::less<>>::iterator last_ = buckets_.end();  // last asked
};

}  // namespace shoal::gossip
