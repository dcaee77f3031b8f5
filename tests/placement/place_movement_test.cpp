// Movement under the balance cap: a dead peer that stays in the view keeps its rank in every
// instance's ranking, and a peer that refused an instance for the cap takes no more under it,
// so a failure moves its own instances and very few others. Seeds are printed (CAPTURE).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "placement/explain.hpp"
#include "placement/place.hpp"
#include "place_gen.hpp"

namespace sp = shoal::placement;
using sp::testing::Rng;

namespace {

// About 30 instances a peer at 60% load, peers of 4, 8 and 16 cores, sizes of 1 to 3 units:
// the balance cap binds on many peers.
sp::View crowded_view(std::uint64_t seed) {
  Rng rng{seed};
  sp::View v;
  const std::size_t peers = 10 + rng.below(20);
  std::int64_t cpu = 0;
  for (std::size_t i = 0; i < peers; ++i) {
    v.peers.push_back(sp::testing::make_peer("peer-" + std::to_string(i), 4000 << rng.below(3), 0));
    v.peers.back().memory_mib = v.peers.back().cpu_milli;
    cpu += v.peers.back().cpu_milli;
  }
  const std::size_t want = peers * 30;
  std::size_t made = 0;
  for (int k = 0; made < want; ++k) {
    const int replicas = static_cast<int>(1 + rng.below(20));
    const std::int64_t size =
        cpu * 6 / 10 / static_cast<std::int64_t>(want) * static_cast<std::int64_t>(1 + rng.below(3)) / 2;
    v.services.push_back(sp::testing::make_service("svc-" + std::to_string(k), replicas, size, size));
    made += static_cast<std::size_t>(replicas);
  }
  return v;
}

}  // namespace

TEST_CASE("place: with the cap binding, a dead peer's failure moves its instances only",
          "[placement][property]") {
  // Every peer alive before: phase A (every ranked peer as if eligible) is the same after the
  // failure, and phase B places only the dead peer's instances. (Ranking only live peers gave
  // 0.12 other moves per orphan here; one greedy over the eligible peers, version 1, 0.03.)
  std::size_t orphans = 0, others = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    CAPTURE(seed);
    sp::View v = crowded_view(seed);
    const auto before = sp::place(v);
    Rng rng{seed * 31};
    const std::size_t dead = rng.below(v.peers.size());
    const std::string name = v.peers[dead].name;
    v.peers[dead].state = sp::MemberState::dead;
    const auto after = sp::place(v);
    for (std::size_t i = 0; i < before.instances.size(); ++i) {
      REQUIRE(before.instances[i].owner.has_value());
      REQUIRE(after.instances[i].owner.has_value());
      REQUIRE(*after.instances[i].owner != name);
      if (*before.instances[i].owner == name) ++orphans;
      else if (before.instances[i].owner != after.instances[i].owner) ++others;
    }
  }
  CAPTURE(orphans, others);
  REQUIRE(orphans > 1000);
  REQUIRE(others == 0);
}

TEST_CASE("place: a dead, not ready or draining peer keeps others' ranks alike", "[placement][property]") {
  // Whatever makes a peer ineligible, the others' assignment is the same: only its state
  // decides, so a dead peer and a draining one leave the same holes.
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    sp::View v = crowded_view(seed);
    Rng rng{seed * 17};
    const std::size_t p = rng.below(v.peers.size());
    v.peers[p].state = sp::MemberState::dead;
    const auto dead = sp::place(v);
    v.peers[p].state = sp::MemberState::alive;
    v.peers[p].schedulable = false;
    const auto draining = sp::place(v);
    v.peers[p].schedulable = true;
    v.peers[p].ready = false;
    const auto joining = sp::place(v);
    for (std::size_t i = 0; i < dead.instances.size(); ++i) {
      REQUIRE(dead.instances[i].owner == draining.instances[i].owner);
      REQUIRE(dead.instances[i].owner == joining.instances[i].owner);
    }
  }
}

TEST_CASE("explain: agrees with place() under the cap with a dead peer, and names closed peers",
          "[placement]") {
  bool saw_closed = false;
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    sp::View v = crowded_view(seed);
    v.peers[seed % v.peers.size()].state = sp::MemberState::dead;
    const auto a = sp::place(v);
    for (std::size_t i = 0; i < a.instances.size(); i += 7) {
      const auto ex = sp::explain(v, a.instances[i].id);
      CAPTURE(ex.to_string());
      REQUIRE(ex.owner == a.instances[i].owner);
      REQUIRE(ex.ranked.size() == v.peers.size());
      for (const auto& r : ex.ranked) {
        if (r.chosen) break;
        if (r.verdict.rfind("balance cap: it refused an earlier instance", 0) == 0) saw_closed = true;
        REQUIRE(r.verdict != "ranked below the chosen peer");  // every better-ranked peer has a reason
      }
    }
  }
  REQUIRE(saw_closed);
}

TEST_CASE("place: with the cap binding, a joining peer takes about its share, and few others move",
          "[placement][property]") {
  // A join changes phase A (a new rank in every ranking), so it moves more than a failure: the
  // instances the new peer wins, plus those the cap and phase A push along. Over 100 seeds.
  std::size_t taken = 0, others = 0, share = 0;
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    CAPTURE(seed);
    sp::View v = crowded_view(seed);
    const auto before = sp::place(v);
    v.peers.push_back(sp::testing::make_peer("peer-new", 8000, 0));
    v.peers.back().memory_mib = v.peers.back().cpu_milli;
    const auto after = sp::place(v);
    std::int64_t cpu = 0;
    for (const auto& p : v.peers) cpu += p.cpu_milli;
    share += before.instances.size() * 8000 / static_cast<std::size_t>(cpu);
    for (std::size_t i = 0; i < before.instances.size(); ++i) {
      REQUIRE(after.instances[i].owner.has_value());
      if (*after.instances[i].owner == "peer-new") ++taken;
      else if (before.instances[i].owner != after.instances[i].owner) ++others;
    }
  }
  CAPTURE(taken, others, share);
  WARN("join: the new peer took " << taken << " (capacity share " << share << "), " << others
                                  << " other moves");
  CHECK(taken * 2 >= share);      // it takes at least half its capacity share
  CHECK(taken <= share * 3 / 2);  // and not far over it (the cap)
  // Collateral moves at most what it takes (measured at `7691a49`: 2,365 for 2,766 taken, a
  // share of 2,467: a join under the cap moves about twice its share in all).
  CHECK(others <= taken);
}
