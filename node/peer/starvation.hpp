// Whether this peer's host is starved of CPU: its agent runs only in slivers, so it still
// answers every probe within a second (the others rightly hold it alive: Lifeguard counts it
// slow, not dead), yet its instances crawl there. The peer notices it itself: the time its
// event loop spent runnable but waiting for a CPU (the kernel's run delay, which counts a
// throttled cgroup's time) grows at least half as fast as the clock. A stopped process is not
// runnable, so a freeze and thaw is no starvation; a busy host's idle agent waits milliseconds.
// While starved, the agent clears `schedulable` (as a drain does) so placement moves the
// instances to healthy peers, provided another peer can take them.
//
// starved: over the last `span` or more, the run delay grew by at least `starved_ratio` of it.
// fed again: over the last `recover_after` or more, by less than `fed_ratio` of it.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "gossip/types.hpp"

namespace shoal::node {

class StarvationWatch {
 public:
  struct Options {
    gossip::Micros span = 2 * gossip::kSeconds;
    double starved_ratio = 0.5;
    gossip::Micros recover_after = 15 * gossip::kSeconds;
    double fed_ratio = 0.1;
  };

  StarvationWatch() = default;
  explicit StarvationWatch(Options o) : o_(o) {}

  // At monotonic time `now` the event loop's thread had waited `run_delay` in all (both in µs,
  // the delay never decreasing). Call about once a second. True when the verdict changed.
  bool sample(gossip::Micros now, gossip::Micros run_delay);

  bool starved() const { return starved_; }
  // The share of the last `span` or more spent waiting for a CPU, once that much is sampled.
  std::optional<double> waiting() const { return ratio_over(o_.span); }

 private:
  struct Sample {
    gossip::Micros at, run_delay;
  };
  std::optional<double> ratio_over(gossip::Micros span) const;

  Options o_;
  std::deque<Sample> samples_;  // oldest first, about recover_after's worth
  bool starved_ = false;
};

// Whether a live peer other than `self` takes work (alive, ready and schedulable): a starved
// peer gives its instances away only then, so a cluster starved everywhere keeps running what
// it runs. Two starved peers with no other taker can alternate (each reads the other's last
// gossiped flag): a known limit, docs/chaos.md.
bool another_takes_work(const gossip::Members& members, const std::string& self);

}  // namespace shoal::node
