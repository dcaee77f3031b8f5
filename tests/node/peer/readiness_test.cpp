// Readiness: synced, ready and alone, the one rule the agent and the simulator both follow.
#include <catch2/catch.hpp>

#include "node/peer/readiness.hpp"

using shoal::gossip::kSeconds;
using shoal::node::Readiness;

namespace {
constexpr auto kGrace = 10 * kSeconds;
constexpr auto kSolo = 30 * kSeconds;
}  // namespace

TEST_CASE("readiness: synced once the engine has joined, then ready after join_grace",
          "[node][peer][readiness]") {
  Readiness r(100 * kSeconds, kGrace, kSolo);
  r.observe(100 * kSeconds, false, 3);  // seeds (configured or remembered) not answered yet
  CHECK_FALSE(r.synced());
  CHECK_FALSE(r.ready_due(200 * kSeconds));
  r.observe(101 * kSeconds, true, 3);  // a push-pull answered
  CHECK(r.synced());
  CHECK_FALSE(r.ready_due(109 * kSeconds));
  CHECK(r.ready_due(110 * kSeconds));
  r.announced();
  CHECK(r.ready());
  CHECK_FALSE(r.ready_due(120 * kSeconds));  // announced once
}

TEST_CASE("readiness: a peer with no seed to ask is synced at its first observation",
          "[node][peer][readiness]") {
  Readiness r(0, kGrace, kSolo);
  r.observe(0, true, 1);  // the engine joins at once without seeds
  CHECK(r.synced());
  REQUIRE(r.alone_since());
  CHECK(*r.alone_since() == 0);
}

TEST_CASE("readiness: a restarted seed whose peers are gone is synced after solo_after alone",
          "[node][peer][readiness]") {
  Readiness r(0, kGrace, kSolo);
  r.observe(0, false, 1);  // remembered peers are seeds: not joined, nobody reachable
  r.observe(29 * kSeconds, false, 1);
  CHECK_FALSE(r.synced());
  r.observe(30 * kSeconds, false, 1);
  CHECK(r.synced());
  CHECK(r.ready_due(30 * kSeconds));
}

TEST_CASE("readiness: others seen alive reset the solo clock, and synced stays synced",
          "[node][peer][readiness]") {
  Readiness r(0, kGrace, kSolo);
  r.observe(0, false, 1);
  r.observe(20 * kSeconds, false, 2);  // another member appears (no push-pull yet)
  CHECK_FALSE(r.alone_since());
  r.observe(25 * kSeconds, false, 1);  // and is gone again: alone from here
  r.observe(50 * kSeconds, false, 1);
  CHECK_FALSE(r.synced());
  r.observe(55 * kSeconds, false, 1);
  CHECK(r.synced());
  r.observe(56 * kSeconds, false, 5);
  CHECK(r.synced());
}
