// HealthTracker: a pure state machine over probe results, driven in virtual time.
#include <catch2/catch.hpp>

#include "node/runtime/health.hpp"

using shoal::runtime::HealthTracker;
using State = HealthTracker::State;

TEST_CASE("health tracker: healthy only after a pass, first probe due at start") {
  HealthTracker t(5000, 3, 1000);
  CHECK(t.state() == State::starting);
  CHECK(t.next_due() == 1000);
  CHECK_FALSE(t.due(999));
  CHECK(t.due(1000));
  // Failures below `retries` give no verdict yet.
  CHECK_FALSE(t.record(1000, false).has_value());
  CHECK(t.next_due() == 6000);
  CHECK_FALSE(t.record(6000, false).has_value());
  CHECK(t.state() == State::starting);
  CHECK(t.consecutive_failures() == 2);
  auto tr = t.record(11000, true);
  REQUIRE(tr.has_value());
  CHECK(*tr == State::healthy);
  CHECK(t.consecutive_failures() == 0);
  CHECK_FALSE(t.record(16000, true).has_value());  // no transition while it stays healthy
}

TEST_CASE("health tracker: unhealthy after `retries` consecutive failures, back on a pass") {
  HealthTracker t(1000, 3, 0);
  REQUIRE(t.record(0, true) == State::healthy);
  CHECK_FALSE(t.record(1000, false).has_value());
  CHECK_FALSE(t.record(2000, false).has_value());
  CHECK(t.state() == State::healthy);
  // A pass in between resets the count.
  CHECK_FALSE(t.record(3000, true).has_value());
  CHECK_FALSE(t.record(4000, false).has_value());
  CHECK_FALSE(t.record(5000, false).has_value());
  auto down = t.record(6000, false);
  REQUIRE(down.has_value());
  CHECK(*down == State::unhealthy);
  CHECK_FALSE(t.record(7000, false).has_value());  // reported once
  CHECK(t.consecutive_failures() == 4);
  REQUIRE(t.record(8000, true) == State::healthy);
}

TEST_CASE("health tracker: a service that never passes goes starting -> unhealthy") {
  shoal::config::HealthCheck check;
  check.interval = 2000;
  check.retries = 2;
  HealthTracker t(check, 500);
  CHECK(t.next_due() == 500);
  CHECK_FALSE(t.record(500, false).has_value());
  CHECK(t.next_due() == 2500);
  REQUIRE(t.record(2500, false) == State::unhealthy);
  CHECK(std::string(shoal::runtime::to_string(t.state())) == "unhealthy");
}

TEST_CASE("health tracker: retries below 1 act as 1, interval is at least 1 ms") {
  HealthTracker t(0, 0, 0);
  REQUIRE(t.record(0, false) == State::unhealthy);
  CHECK(t.next_due() == 1);
}
