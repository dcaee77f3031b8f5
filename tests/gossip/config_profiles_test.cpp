// gossip::Config::for_profile: the four profiles exist, are valid, and `fast` carries the
// timings chosen with `shoal-sim sweep` (sim/README.md).
#include <catch2/catch.hpp>

#include "gossip/config.hpp"

using shoal::gossip::Config;
using shoal::gossip::kMillis;
using shoal::gossip::kSeconds;

TEST_CASE("every named profile exists, names itself and validates", "[gossip][config]") {
  for (const char* name : {"lan", "wan", "local", "fast"}) {
    INFO(name);
    auto c = Config::for_profile(name);
    REQUIRE(c);
    CHECK(c->profile == name);
    CHECK(c->validate().empty());
    CHECK(std::string(Config::profile_names()).find(name) != std::string::npos);
  }
  CHECK_FALSE(Config::for_profile("turbo"));
  CHECK_FALSE(Config::for_profile(""));
}

TEST_CASE("the fast profile has the swept timings", "[gossip][config]") {
  const Config f = *Config::for_profile("fast");
  const Config lan = *Config::for_profile("lan");
  CHECK(f.probe_interval == 1100 * kMillis);
  CHECK(f.probe_timeout == 700 * kMillis);
  CHECK(f.gossip_interval == 50 * kMillis);
  CHECK(f.suspicion_mult == 1);
  CHECK(f.suspicion_max_mult == 2);
  CHECK(f.indirect_checks == 3);
  CHECK(f.awareness_max == 8);  // Lifeguard whole: the gate is StallGate
  CHECK(f.awareness_max == lan.awareness_max);
  CHECK(f.push_pull_interval == 15 * kSeconds);
  // Sizes and the rest are lan's.
  CHECK(f.packet_budget == lan.packet_budget);
  CHECK(f.gossip_nodes == lan.gossip_nodes);
  CHECK(f.retransmit_mult == lan.retransmit_mult);
  CHECK(f.lifeguard);
}
