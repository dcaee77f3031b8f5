#include <catch2/catch.hpp>

#include "node/state_report.hpp"

using namespace shoal;

namespace {
constexpr std::int64_t kSecond = 1'000'000;
constexpr std::int64_t kT0 = 1'700'000'000LL * kSecond;
}  // namespace

TEST_CASE("state report: refused entries are counted by reason", "[node][state_report]") {
  gossip::Store s("me");
  const auto later = gossip::Hlc::from_wall(kT0 + 3600 * kSecond);
  s.merge(kT0, gossip::Entry{"spec/a", {later, "fast"}, false, {}});         // skew
  s.merge(kT0, gossip::Entry{"status/b", {1, "c"}, false, {}});             // foreign
  s.merge(kT0, gossip::Entry{"spec/x", {gossip::Hlc::from_wall(kT0 - 8 * 24 * 3600 * kSecond), "c"},
                             true, {}});                                     // expired tombstone
  s.merge(kT0, gossip::Entry{"spec/y", {gossip::Hlc::from_wall(kT0), "c"}, false, {}});
  const auto j = node::state_stats_json(s);
  CHECK(j["refused_skew"] == 1);
  CHECK(j["refused_foreign"] == 1);
  CHECK(j["refused_expired"] == 1);
  CHECK(j["graves"] == 1);
  CHECK(j["applied"] == 1);
}

TEST_CASE("state report: a clock run ahead of the wall warns that writes are refused",
          "[node][state_report]") {
  gossip::Store s("me");
  s.put(kT0, "status/me", {});
  CHECK(node::clock_ahead_ms(s, kT0 + kSecond) == 0);  // behind: never negative
  CHECK(node::clock_warning(node::clock_ahead_ms(s, kT0), 10 * kSecond).empty());
  s.put(kT0 + 3600 * kSecond, "status/me", {});  // the wall stepped forward, then back
  const std::int64_t ahead = node::clock_ahead_ms(s, kT0);
  CHECK(ahead == 3'600'000);
  const std::string w = node::clock_warning(ahead, 10 * kSecond);
  CHECK(w.find("3600000 ms ahead") != std::string::npos);
  CHECK(w.find("refuse its writes") != std::string::npos);
  // Exactly at max_clock_skew the others still accept (they refuse beyond it).
  CHECK(node::clock_warning(10'000, 10 * kSecond).empty());
  CHECK_FALSE(node::clock_warning(10'001, 10 * kSecond).empty());
}
