// Golden tests: the hashes and the assignment of a fixed view are a protocol (algorithm version
// 1). Any change to the hashing, the arithmetic or the algorithm must fail here, and then comes
// with a new kAlgorithmVersion.
#include <catch2/catch.hpp>

#include <tuple>

#include "placement/hash.hpp"
#include "placement/place.hpp"
#include "place_golden_fixture.hpp"

namespace sp = shoal::placement;

TEST_CASE("golden: stable hashes and fixed-point arithmetic", "[placement][golden]") {
  REQUIRE(sp::kAlgorithmVersion == 1);
  REQUIRE(sp::stable_hash("") == 10473268583699069141ULL);
  REQUIRE(sp::stable_hash("shoal") == 7869376717487911726ULL);
  REQUIRE(sp::peer_hash("alpha") == 535533624048800012ULL);
  REQUIRE(sp::instance_hash("web", 0) == 4159082250750278881ULL);
  REQUIRE(sp::zone_hash("cache", "eu-1") == 9328491036255242211ULL);
  REQUIRE(sp::mix(1, 2) == 815575690806614222ULL);
  REQUIRE(sp::neg_log2_q32(std::uint64_t{1} << 63) == std::uint64_t{1} << 32);  // -log2(1/2) = 1
  REQUIRE(sp::neg_log2_q32(12345678901234567ULL) == 45291050326ULL);           // 10.5452...
  const sp::Key key = sp::rendezvous_key(sp::mix(sp::instance_hash("web", 0), sp::peer_hash("alpha")),
                                         sp::inverse_weight(1000));
  REQUIRE(static_cast<std::uint64_t>(key >> 64) == 4457531ULL);
  REQUIRE(static_cast<std::uint64_t>(key) == 5331109034556221143ULL);
  REQUIRE(sp::isqrt(1000000) == 1000);
  REQUIRE(sp::isqrt(999999) == 999);
}

TEST_CASE("golden: the fixed-point log is monotone and the threshold search is exact", "[placement][golden]") {
  std::uint64_t x = 1;
  for (int i = 0; i < 4000; ++i) {
    x = x * 3 + 7;  // wraps around the range in irregular steps
    REQUIRE(sp::neg_log2_q32(x + 1) <= sp::neg_log2_q32(x));  // non-increasing
    REQUIRE(sp::neg_log2_q32(x | (x >> 1)) <= sp::neg_log2_q32(x));
  }
  const std::uint64_t inv = sp::inverse_weight(12345);
  for (std::uint64_t draw : {1ULL, 1ULL << 40, 1ULL << 62, ~0ULL >> 1, ~0ULL - 5}) {
    const sp::Key bound = sp::rendezvous_key(draw, inv);
    const std::uint64_t t = sp::min_draw_for_key(bound, inv);
    REQUIRE(t <= draw);
    REQUIRE(sp::rendezvous_key(t, inv) <= bound);
    if (t > 0) REQUIRE(sp::rendezvous_key(t - 1, inv) > bound);
  }
}

TEST_CASE("golden: exact owners for a fixed view", "[placement][golden]") {
  const std::vector<std::tuple<std::string, std::uint32_t, std::string>> expected = {
      {"cache", 0, "bravo"},   {"cache", 1, "foxtrot"}, {"cache", 2, "delta"},  {"compose", 0, "charlie"},
      {"compose", 1, "charlie"}, {"db", 0, "foxtrot"},  {"db", 1, "foxtrot"},   {"edge", 0, "delta"},
      {"edge", 1, "echo"},     {"edge", 2, "alpha"},    {"web", 0, "bravo"},    {"web", 1, "delta"},
      {"web", 2, "delta"},     {"web", 3, "bravo"},     {"web", 4, "charlie"},  {"web", 5, "delta"},
  };
  const auto a = sp::place(sp::testing::golden_view());
  REQUIRE(a.algorithm_version == 1);
  REQUIRE(a.instances.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& [service, index, owner] = expected[i];
    CAPTURE(service, index);
    REQUIRE(a.instances[i].id.service == service);
    REQUIRE(a.instances[i].id.index == index);
    REQUIRE(a.instances[i].owner == std::optional<std::string>(owner));
  }
}

TEST_CASE("golden: exact owners past 1,000 peers (candidate groups)", "[placement][golden]") {
  sp::View big;
  for (int i = 0; i < 1500; ++i)
    big.peers.push_back(sp::testing::make_peer("node-" + std::to_string(i), 16000 + (i % 4) * 8000, 65536));
  big.services.push_back(sp::testing::make_service("api", 50, 500, 1024));
  const auto a = sp::place(big);
  const char* expected[] = {"node-1406", "node-746", "node-392",  "node-1006",
                            "node-681",  "node-837", "node-1047", "node-564"};
  for (std::uint32_t i = 0; i < 8; ++i) {
    CAPTURE(i);
    REQUIRE(a.instances[i].owner == std::optional<std::string>(expected[i]));
  }
}
