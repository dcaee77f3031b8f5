// The reconcile step's health gate: bad only while a stall (Stats::stalls grew) is recent.
#include <catch2/catch.hpp>

#include <cstdio>
#include <vector>

#include "cluster_util.hpp"
#include "gossip/stall_gate.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

TEST_CASE("stall gate: good until the counter grows, bad for hold, then good again") {
  StallGate g(10 * kSeconds);
  CHECK(g.hold() == 10 * kSeconds);
  CHECK_FALSE(g.bad(0, 0));
  CHECK_FALSE(g.bad(5 * kSeconds, 0));
  CHECK(g.bad(6 * kSeconds, 1));                            // the stall is seen at 6 s
  CHECK(g.bad(6 * kSeconds + 9999 * kMillis, 1));           // 9.999 s later: still bad
  CHECK_FALSE(g.bad(16 * kSeconds, 1));                     // exactly hold later: good
  CHECK_FALSE(g.bad(100 * kSeconds, 1));                    // an unchanged count stays good
}

TEST_CASE("stall gate: a second stall restarts the hold") {
  StallGate g(10 * kSeconds);
  CHECK(g.bad(1 * kSeconds, 1));
  CHECK(g.bad(8 * kSeconds, 3));   // two more stalls
  CHECK(g.bad(17 * kSeconds, 3));  // 9 s after the second sighting
  CHECK_FALSE(g.bad(18 * kSeconds, 3));
}

TEST_CASE("stall gate: a count already above zero at the first call is a stall") {
  StallGate g;
  CHECK(g.hold() == StallGate::kDefaultHold);
  CHECK(g.bad(50 * kSeconds, 2));
  CHECK_FALSE(g.bad(50 * kSeconds + StallGate::kDefaultHold, 2));
}

TEST_CASE("stall gate: a counter that went down (a restarted engine) is taken as fresh") {
  StallGate g(10 * kSeconds);
  CHECK(g.bad(0, 4));
  CHECK_FALSE(g.bad(20 * kSeconds, 4));
  CHECK_FALSE(g.bad(21 * kSeconds, 0));  // new engine, no stall yet
  CHECK(g.bad(22 * kSeconds, 1));        // its first stall
  CHECK_FALSE(g.bad(40 * kSeconds, 1));
  CHECK_FALSE(g.bad(41 * kSeconds, 1));  // same count: nothing new
}

TEST_CASE("stall gate: failed probes raise Lifeguard's awareness but not the gate") {
  const std::uint64_t seed = 3;
  INFO("seed " << seed);
  SimNet net(seed);
  start_cluster(net, 5, Config{});  // lan: awareness on (awareness_max 8)
  const Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  // 25% UDP loss and a crashed peer: probes of it fail and relays' nacks get lost.
  net.set_loss(0.25);
  net.crash(4);
  std::vector<StallGate> gates(4);
  std::size_t health_bad_samples = 0, gate_bad_samples = 0;
  for (Micros now = t; now < t + 120 * kSeconds; now += 100 * kMillis) {
    net.run_until(now);
    for (std::size_t i = 0; i < 4; ++i) {
      health_bad_samples += net.engine(i).local_health() > 0;
      gate_bad_samples += gates[i].bad(now, net.engine(i).stats().stalls);
    }
  }
  std::printf("[measure] 4 live peers, 25%% loss: awareness > 0 in %zu of 4800 samples\n",
              health_bad_samples);
  CHECK(health_bad_samples > 0);  // the old gate would have held starts back
  CHECK(gate_bad_samples == 0);
  for (std::size_t i = 0; i < 4; ++i) CHECK(net.engine(i).stats().stalls == 0);
}

TEST_CASE("stall gate: a peer frozen for 20 s is bad after it resumes, for hold only") {
  const std::uint64_t seed = 4;
  INFO("seed " << seed);
  SimNet net(seed);
  start_cluster(net, 5, Config{});
  const Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  StallGate gate(10 * kSeconds);
  const std::size_t frozen = 2;
  CHECK_FALSE(gate.bad(net.now(), net.engine(frozen).stats().stalls));
  const Micros resume = net.now() + 20 * kSeconds;
  net.freeze(frozen, resume);
  net.run_until(resume + 100 * kMillis);
  REQUIRE(net.engine(frozen).stats().stalls >= 1);
  CHECK(gate.bad(net.now(), net.engine(frozen).stats().stalls));
  net.run_until(resume + 5 * kSeconds);
  CHECK(gate.bad(net.now(), net.engine(frozen).stats().stalls));
  net.run_until(resume + 11 * kSeconds);
  CHECK_FALSE(gate.bad(net.now(), net.engine(frozen).stats().stalls));
}
