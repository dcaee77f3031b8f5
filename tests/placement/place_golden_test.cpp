// Golden tests: the hashes and the assignment of a fixed view are a protocol (algorithm version
// 2: version 1 without spread and phases, values regenerated for 2). Any change to the hashing, the arithmetic or the algorithm must fail here, and then comes
// with a new kAlgorithmVersion (until the first release, version 1 may still change, deliberately,
// with the values below regenerated and reviewed).
#include <catch2/catch.hpp>

#include <tuple>

#include "placement/explain.hpp"
#include "placement/hash.hpp"
#include "placement/place.hpp"
#include "place_golden_fixture.hpp"

namespace sp = shoal::placement;

TEST_CASE("golden: stable hashes and fixed-point arithmetic", "[placement][golden]") {
  REQUIRE(sp::kAlgorithmVersion == 2);
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
      // web: six peers for six replicas; db: both ssd peers; cache: one a zone (spread "zone").
      {"cache", 0, "bravo"},   {"cache", 1, "foxtrot"}, {"cache", 2, "delta"},  {"compose", 0, "charlie"},
      {"compose", 1, "charlie"}, {"db", 0, "echo"},     {"db", 1, "foxtrot"},   {"edge", 0, "delta"},
      {"edge", 1, "bravo"},    {"edge", 2, "foxtrot"},  {"web", 0, "bravo"},    {"web", 1, "delta"},
      {"web", 2, "echo"},      {"web", 3, "alpha"},     {"web", 4, "charlie"},  {"web", 5, "foxtrot"},
  };
  const auto a = sp::place(sp::testing::golden_view());
  REQUIRE(a.algorithm_version == 2);
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
  const char* expected[] = {"node-1406", "node-746", "node-392",  "node-1006",  // unchanged by
                            "node-681",  "node-837", "node-1047", "node-564"};  // version 2
  for (std::uint32_t i = 0; i < 8; ++i) {
    CAPTURE(i);
    REQUIRE(a.instances[i].owner == std::optional<std::string>(expected[i]));
  }
}

TEST_CASE("golden: exact owners with a dead peer still in the view", "[placement][golden]") {
  // delta (the largest peer) is dead: it keeps its rank, so its instances go to each one's
  // next peer with room (cache/2, edge/0 and web/1 held by delta before). web/1 shares bravo
  // with web/0: each of the other five peers already holds one web. edge/2 moves too: delta
  // is 42% of the capacity, so the balance cap now counts the eligible peers alone (under 3/4
  // of the view's capacity, see place.hpp), which changes phase A.
  auto v = sp::testing::golden_view();
  v.peers[3].state = sp::MemberState::dead;
  const std::vector<std::tuple<std::string, std::uint32_t, std::string>> expected = {
      {"cache", 0, "bravo"},   {"cache", 1, "foxtrot"}, {"cache", 2, "charlie"}, {"compose", 0, "charlie"},
      {"compose", 1, "charlie"}, {"db", 0, "echo"},     {"db", 1, "foxtrot"},    {"edge", 0, "charlie"},
      {"edge", 1, "bravo"},    {"edge", 2, "echo"},     {"web", 0, "bravo"},     {"web", 1, "bravo"},
      {"web", 2, "echo"},      {"web", 3, "alpha"},     {"web", 4, "charlie"},   {"web", 5, "foxtrot"},
  };
  const auto a = sp::place(v);
  REQUIRE(a.instances.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto& [service, index, owner] = expected[i];
    CAPTURE(service, index);
    REQUIRE(a.instances[i].id.service == service);
    REQUIRE(a.instances[i].id.index == index);
    REQUIRE(a.instances[i].owner == std::optional<std::string>(owner));
  }
}

TEST_CASE("golden: exact owners when the balance cap binds everywhere", "[placement][golden]") {
  // Demand 18,000m over 44,000m (p5 dead but counted): cap 1.25 x 0.409 = 4,090m on an 8-core
  // peer; spread caps (weighted shares of 24 api) p1 5, p2 5, p3 9, p4 3, p5 5. api/5 ranks
  // p5 first: phase A gives it to p5 (dead); in phase B p2 is closed for the cap and p1, p3,
  // p4 hold their spread caps, so it goes over the balance cap to p2 (spread first).
  sp::View v;
  v.peers = {sp::testing::make_peer("p1", 8000, 8192), sp::testing::make_peer("p2", 8000, 8192),
             sp::testing::make_peer("p3", 16000, 16384), sp::testing::make_peer("p4", 4000, 4096),
             sp::testing::make_peer("p5", 8000, 8192)};
  v.peers[4].state = sp::MemberState::dead;
  v.services.push_back(sp::testing::make_service("api", 24, 500, 512));
  v.services.push_back(sp::testing::make_service("job", 6, 1000, 1024));
  const char* expected[] = {"p4", "p3", "p1", "p3", "p3", "p2", "p2", "p2", "p1", "p3",
                            "p1", "p1", "p4", "p2", "p3", "p3", "p3", "p3", "p4", "p3",
                            "p3", "p2", "p1", "p4", "p2", "p2", "p3", "p1", "p3", "p3"};
  const auto a = sp::place(v);
  REQUIRE(a.instances.size() == 30);
  for (std::size_t i = 0; i < 30; ++i) {
    CAPTURE(i);
    REQUIRE(a.instances[i].owner == std::optional<std::string>(expected[i]));
  }
  const auto ex = sp::explain(v, {"api", 5});
  CAPTURE(ex.to_string());
  REQUIRE(ex.owner == std::optional<std::string>("p2"));
  REQUIRE(ex.ranked[0].verdict == "ineligible: dead");
  REQUIRE(ex.ranked[1].peer == "p2");
  REQUIRE(ex.ranked[1].verdict == "chosen (over the balance cap: no peer under it had room)");
  REQUIRE(ex.ranked[2].verdict == "spread: it holds 5 instances of the service, other peers with room fewer");
}

