#include <catch2/catch.hpp>

#include <set>

#include "gossip/config.hpp"
#include "gossip/intmath.hpp"
#include "gossip/rng.hpp"
#include "gossip/suspicion.hpp"

using namespace shoal::gossip;

TEST_CASE("intmath: integer logarithms match the real ones closely") {
  CHECK(log10_milli(1) == 0);
  CHECK(log10_milli(10) >= 999);
  CHECK(log10_milli(10) <= 1000);
  CHECK(log10_milli(50) >= 1698);  // 1.69897
  CHECK(log10_milli(50) <= 1699);
  CHECK(log10_milli(1000) >= 2999);
  CHECK(log2_q16(2) == 65536);
  CHECK(log2_q16(1024) == 10 * 65536);
  CHECK(ceil_log10(1) == 0);
  CHECK(ceil_log10(10) == 1);
  CHECK(ceil_log10(11) == 2);
  CHECK(ceil_log10(51) == 2);
  CHECK(ceil_log2(33) == 6);
  CHECK(ceil_log2(32) == 5);
}

TEST_CASE("suspicion: memberlist's formulas in integer arithmetic") {
  // 4 * max(1, log10(50)) * 1 s = 6.795 s.
  Micros min = suspicion_min_timeout(4, 50, kSeconds);
  CHECK(min >= 6'792'000);
  CHECK(min <= 6'796'000);
  CHECK(suspicion_min_timeout(4, 5, kSeconds) == 4 * kSeconds);  // log10(5) < 1 -> 1
  Micros max = 6 * min;
  int k = suspicion_k(4, 50);
  CHECK(k == 2);
  CHECK(suspicion_k(4, 3) == 0);
  CHECK(suspicion_timeout(min, max, k, 0) == max);
  CHECK(suspicion_timeout(min, max, k, 2) == min);
  Micros one = suspicion_timeout(min, max, k, 1);
  // max - (max - min) * log(2)/log(3) = max - 0.6309 * 5 * min
  Micros expect = max - (max - min) * 6309 / 10000;
  CHECK(std::abs(one - expect) < 2'000);
  CHECK(suspicion_timeout(min, max, 0, 0) == min);
  CHECK(retransmit_limit(4, 50) == 8);
  CHECK(retransmit_limit(4, 9) == 4);
  CHECK(retransmit_limit(4, 99) == 8);
  CHECK(retransmit_limit(4, 100) == 12);
  CHECK(push_pull_scale(30 * kSeconds, 32) == 30 * kSeconds);
  CHECK(push_pull_scale(30 * kSeconds, 33) == 60 * kSeconds);
  CHECK(push_pull_scale(30 * kSeconds, 64) == 60 * kSeconds);
  CHECK(push_pull_scale(30 * kSeconds, 65) == 90 * kSeconds);
}

TEST_CASE("rng: same seed same stream, bounded draws stay in range, shuffle permutes") {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    auto x = a.next();
    CHECK(x == b.next());
    differs |= x != c.next();
  }
  CHECK(differs);
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 2000; ++i) {
    auto v = a.below(7);
    CHECK(v < 7);
    seen.insert(v);
    auto w = a.between(-3, 3);
    CHECK(w >= -3);
    CHECK(w <= 3);
  }
  CHECK(seen.size() == 7);
  std::vector<int> v{1, 2, 3, 4, 5, 6, 7, 8};
  a.shuffle(v);
  std::multiset<int> s(v.begin(), v.end());
  CHECK(s == std::multiset<int>{1, 2, 3, 4, 5, 6, 7, 8});
}

TEST_CASE("config: profiles carry memberlist's values") {
  auto lan = Config::for_profile("lan");
  REQUIRE(lan);
  CHECK(lan->probe_interval == kSeconds);
  CHECK(lan->probe_timeout == 500 * kMillis);
  CHECK(lan->indirect_checks == 3);
  CHECK(lan->suspicion_mult == 4);
  CHECK(lan->suspicion_max_mult == 6);
  CHECK(lan->gossip_interval == 200 * kMillis);
  CHECK(lan->gossip_nodes == 3);
  CHECK(lan->retransmit_mult == 4);
  CHECK(lan->push_pull_interval == 30 * kSeconds);
  CHECK(lan->reconnect_timeout == 24 * 3600 * kSeconds);
  CHECK(lan->validate().empty());
  auto wan = Config::for_profile("wan");
  REQUIRE(wan);
  CHECK(wan->probe_interval == 5 * kSeconds);
  CHECK(wan->probe_timeout == 3 * kSeconds);
  CHECK(wan->suspicion_mult == 6);
  CHECK(wan->gossip_nodes == 4);
  CHECK(wan->gossip_interval == 500 * kMillis);
  CHECK(wan->push_pull_interval == 60 * kSeconds);
  CHECK(wan->validate().empty());
  auto local = Config::for_profile("local");
  REQUIRE(local);
  CHECK(local->probe_timeout == 200 * kMillis);
  CHECK(local->indirect_checks == 1);
  CHECK(local->suspicion_mult == 3);
  CHECK(local->retransmit_mult == 2);
  CHECK(local->gossip_interval == 100 * kMillis);
  CHECK(local->push_pull_interval == 15 * kSeconds);
  CHECK(local->validate().empty());
  CHECK_FALSE(Config::for_profile("turbo"));  // `fast` exists: config_profiles_test.cpp
  Config bad = *lan;
  bad.probe_timeout = 2 * kSeconds;
  CHECK_FALSE(bad.validate().empty());
}
