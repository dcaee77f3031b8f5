// StarvationWatch on virtual time: a host starved of CPU is told from a busy one and from a
// freeze, the verdict holds until the agent is fed for a while, and a starved peer yields only
// to another peer that takes work.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "node/peer/starvation.hpp"

using shoal::gossip::kMillis;
using shoal::gossip::kSeconds;
using shoal::gossip::Micros;
using shoal::node::StarvationWatch;

namespace {

// An event loop sampled at the end of each step: `step` of wall time, of which it waited
// `waited` for a CPU. Records when the verdict changed.
struct Loop {
  StarvationWatch w;
  Micros now = 50 * kSeconds, delay = 7 * kSeconds;
  std::vector<Micros> changed_at;
  void run(int steps, Micros step, Micros waited) {
    for (int i = 0; i < steps; ++i) {
      now += step;
      delay += waited;
      if (w.sample(now, delay)) changed_at.push_back(now);
    }
  }
};

}  // namespace

TEST_CASE("starvation: a busy host, a freeze and a short stall are not starvation") {
  Loop l;
  l.run(30, kSeconds, 20 * kMillis);   // a loaded host: woken, it waits milliseconds
  l.run(1, 40 * kSeconds, 0);          // stopped 40 s (SIGSTOP): not runnable, no wait
  l.run(1, kSeconds, 900 * kMillis);   // one step behind a burst of other work
  l.run(1, kSeconds, 50 * kMillis);
  l.run(10, kSeconds, 100 * kMillis);  // 10% waiting, steadily
  CHECK_FALSE(l.w.starved());
  CHECK(l.changed_at.empty());
  REQUIRE(l.w.waiting());
  CHECK(*l.w.waiting() == Approx(0.1));
}

TEST_CASE("starvation: waiting half of 2 s starves at once, 15 s fed ends it") {
  Loop l;
  l.run(5, kSeconds, 0);
  CHECK(l.w.waiting());
  // Held to 1% of a core: the loop runs a step every few seconds and waited most of it.
  l.run(1, 3500 * kMillis, 2800 * kMillis);
  REQUIRE(l.w.starved());
  REQUIRE(l.changed_at.size() == 1);
  l.run(4, 4 * kSeconds, 3800 * kMillis);
  const Micros fed = l.now;
  l.run(14, kSeconds, 0);  // fed: the 15 s window still reaches into the starved steps
  CHECK(l.w.starved());
  l.run(1, kSeconds, 0);
  CHECK_FALSE(l.w.starved());
  REQUIRE(l.changed_at.size() == 2);
  CHECK(l.changed_at[1] - fed == 15 * kSeconds);
  l.run(2, kSeconds, 600 * kMillis);  // starved again, as quickly
  CHECK(l.w.starved());
}

TEST_CASE("starvation: samples out of order or a counter that went back are not evidence") {
  StarvationWatch w;
  CHECK_FALSE(w.sample(10 * kSeconds, 5 * kSeconds));
  CHECK_FALSE(w.sample(9 * kSeconds, 9 * kSeconds));   // earlier than the last sample
  CHECK_FALSE(w.sample(13 * kSeconds, 1 * kSeconds));  // the delay went back
  CHECK_FALSE(w.starved());
  CHECK_FALSE(w.waiting());                             // nothing 2 s apart was taken
  CHECK(w.sample(13 * kSeconds, 8 * kSeconds));
  CHECK(*w.waiting() == Approx(1.0));
}

TEST_CASE("starvation: a starved peer yields only to another live peer that takes work") {
  using namespace shoal::gossip;
  Members ms;
  auto add = [&](const std::string& n, MemberState s, bool ready, bool schedulable) {
    Member m;
    m.name = n;
    m.state = s;
    m.meta.ready = ready;
    m.meta.schedulable = schedulable;
    ms[n] = m;
  };
  add("me", MemberState::alive, true, true);
  CHECK_FALSE(shoal::node::another_takes_work(ms, "me"));  // alone: keeps its work
  add("dead", MemberState::dead, true, true);
  add("suspect", MemberState::suspect, true, true);
  add("joining", MemberState::alive, false, true);
  add("draining", MemberState::alive, true, false);
  CHECK_FALSE(shoal::node::another_takes_work(ms, "me"));
  add("b", MemberState::alive, true, true);
  CHECK(shoal::node::another_takes_work(ms, "me"));
  CHECK(shoal::node::another_takes_work(ms, "draining"));
}
