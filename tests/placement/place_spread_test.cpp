// Spread (algorithm version 2): replicas of a service on distinct peers while the ranked peers
// outnumber them, across zones when peers declare zones, and the movement a failure or a join
// causes with it. Seeds are printed (CAPTURE).
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "placement/explain.hpp"
#include "placement/place.hpp"
#include "place_gen.hpp"

namespace sp = shoal::placement;
using Spread = shoal::config::Placement::Spread;
using sp::testing::make_peer;
using sp::testing::make_service;
using sp::testing::Rng;

namespace {

std::map<std::string, int> owners(const sp::Assignment& a, const std::string& service) {
  std::map<std::string, int> out;
  for (const auto& in : a.instances)
    if (in.id.service == service && in.owner) ++out[*in.owner];
  return out;
}

// Whether the view's eligible peers hold 3/4 of its capacity (the weights follow cpu in these
// views): the balance cap counts every peer then, else the eligible ones alone (place.hpp).
bool counts_all(const sp::View& v) {
  std::int64_t all = 0, eligible = 0;
  for (const auto& p : v.peers) {
    all += p.cpu_milli;
    if ((p.state == sp::MemberState::alive || p.state == sp::MemberState::suspect) && p.ready && p.schedulable)
      eligible += p.cpu_milli;
  }
  return eligible * 4 >= all * 3;
}

// Whether the peer failing switches the balance cap between those two.
bool large(sp::View v, std::size_t peer) {
  const bool before = counts_all(v);
  v.peers[peer].state = sp::MemberState::dead;
  return counts_all(v) != before;
}

// Instances whose owner differs, leaving out those `except` held before.
std::size_t moved_others(const sp::Assignment& before, const sp::Assignment& after, const std::string& except) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < before.instances.size(); ++i)
    if (before.instances[i].owner != std::optional<std::string>(except) &&
        before.instances[i].owner != after.instances[i].owner)
      ++n;
  return n;
}

}  // namespace

TEST_CASE("spread: 3 peers x 3 replicas go to 3 distinct peers", "[placement][spread]") {
  int piled_without = 0;
  for (int k = 0; k < 60; ++k) {
    sp::View v;
    v.peers = {make_peer("a", 4000, 4096), make_peer("b", 8000, 8192), make_peer("c", 16000, 16384)};
    const std::string name = "svc-" + std::to_string(k);
    v.services.push_back(make_service(name, 3, 100, 64));
    CAPTURE(name);
    REQUIRE(owners(sp::place(v), name).size() == 3);
    v.services[0].placement.spread = Spread::peer;
    REQUIRE(owners(sp::place(v), name).size() == 3);
    v.services[0].placement.spread = Spread::none;  // today's behaviour: hashing alone
    if (owners(sp::place(v), name).size() < 3) ++piled_without;
  }
  REQUIRE(piled_without > 20);  // the case the default fixes is common (2/3 of names, by chance)
}

TEST_CASE("spread: 12 peers in 3 zones x 6 replicas -> 2 a zone on 6 peers", "[placement][spread]") {
  for (int k = 0; k < 60; ++k) {
    sp::View v;
    for (int i = 0; i < 12; ++i)
      v.peers.push_back(make_peer("p" + std::to_string(i), 4000 * (1 + i % 3), 8192, "eu-" + std::to_string(i % 3)));
    const std::string name = "svc-" + std::to_string(k);
    v.services.push_back(make_service(name, 6, 100, 64));
    CAPTURE(name);
    for (Spread mode : {Spread::automatic, Spread::zone}) {
      v.services[0].placement.spread = mode;
      const auto a = sp::place(v);
      std::map<std::string, int> zones;
      for (const auto& [peer, n] : owners(a, name)) {
        REQUIRE(n == 1);
        zones[v.peers[std::stoul(peer.substr(1))].zone] += n;
      }
      REQUIRE(zones == std::map<std::string, int>{{"eu-0", 2}, {"eu-1", 2}, {"eu-2", 2}});
    }
  }
}

TEST_CASE("spread: past one a peer, counts stay even or follow capacity", "[placement][spread]") {
  for (int k = 0; k < 40; ++k) {
    const std::string name = "svc-" + std::to_string(k);
    CAPTURE(name);
    sp::View v;
    v.peers = {make_peer("a", 8000, 8192), make_peer("b", 8000, 8192), make_peer("c", 8000, 8192)};
    v.services.push_back(make_service(name, 5, 100, 64));
    for (const auto& [peer, n] : owners(sp::place(v), name)) REQUIRE((n == 1 || n == 2));
    // One peer dead: its instances go to the others, the rest stays.
    const auto before = sp::place(v);
    v.peers[1].state = sp::MemberState::dead;
    const auto after = sp::place(v);
    REQUIRE(moved_others(before, after, "b") == 0);
    REQUIRE(owners(after, name).count("b") == 0);
    for (const auto& [peer, n] : owners(after, name)) REQUIRE(n <= 3);
  }
}

TEST_CASE("spread: auto zones are soft, explicit zones are quotas", "[placement][spread]") {
  // eu-1 has one peer with room for one instance; 4 replicas over 2 zones.
  sp::View v;
  v.peers = {make_peer("small", 1000, 1024, "eu-1"), make_peer("x", 8000, 8192, "eu-2"),
             make_peer("y", 8000, 8192, "eu-2"), make_peer("z", 8000, 8192, "eu-2")};
  v.services.push_back(make_service("web", 4, 1000, 1024));
  const auto soft = sp::place(v);
  for (const auto& in : soft.instances) REQUIRE(in.owner);
  REQUIRE(owners(soft, "web").size() == 4);  // and still one a peer
  v.services[0].placement.spread = Spread::zone;
  const auto hard = sp::place(v);
  int unplaced = 0;
  for (const auto& in : hard.instances) unplaced += in.owner ? 0 : 1;
  REQUIRE(unplaced == 1);
}

TEST_CASE("spread: explain names the spread rule", "[placement][spread]") {
  bool seen = false;
  for (int k = 0; k < 30 && !seen; ++k) {
    sp::View v;
    v.peers = {make_peer("a", 8000, 8192), make_peer("b", 8000, 8192), make_peer("c", 8000, 8192)};
    const std::string name = "svc-" + std::to_string(k);
    v.services.push_back(make_service(name, 3, 100, 64));
    for (std::uint32_t i = 0; i < 3; ++i) {
      const auto ex = sp::explain(v, {name, i});
      CAPTURE(ex.to_string());
      REQUIRE(ex.owner == sp::place(v).instances[i].owner);
      if (ex.ranked[0].chosen) continue;
      REQUIRE(ex.ranked[0].verdict == "spread: it holds 1 instance of the service, other peers with room fewer");
      seen = true;
    }
  }
  REQUIRE(seen);
}

TEST_CASE("spread: a peer failing moves its instances only, over random views", "[placement][spread][property]") {
  // Constraints, zone and auto spread, ports, max_per_peer, home services, load up to 120%:
  // with every peer eligible before, nothing but the dead peer's instances moves, and when it
  // comes back the assignment is the one before.
  std::size_t orphans = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    CAPTURE(seed);
    sp::testing::GenOptions o;
    o.load_percent = 30 + static_cast<int>(seed % 4) * 30;
    sp::View v = sp::testing::random_view(seed, o);
    for (auto& p : v.peers) p = make_peer(p.name, p.cpu_milli, p.memory_mib, p.zone);
    const auto before = sp::place(v);
    Rng rng{seed * 101};
    const std::size_t dead = rng.below(v.peers.size());
    if (large(v, dead)) continue;
    v.peers[dead].state = sp::MemberState::dead;
    const auto after = sp::place(v);
    REQUIRE(moved_others(before, after, v.peers[dead].name) == 0);
    for (const auto& in : before.instances) orphans += in.owner == v.peers[dead].name ? 1 : 0;
    for (const auto& in : after.instances) REQUIRE(in.owner != v.peers[dead].name);
    v.peers[dead].state = sp::MemberState::alive;
    const auto back = sp::place(v);
    for (std::size_t i = 0; i < before.instances.size(); ++i) REQUIRE(back.instances[i].owner == before.instances[i].owner);
  }
  REQUIRE(orphans > 200);
}

TEST_CASE("spread: measured movement with peers already down, and on a join", "[placement][spread][property]") {
  // An instance already displaced by an earlier failure (placed in phase B) may move again when
  // another peer fails; a joining peer changes the ranked set, and the spread and balance caps
  // move instances between other peers. Both are counted here and bounded as measured.
  std::size_t orphans = 0, again = 0, taken = 0, shuffled = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    CAPTURE(seed);
    sp::testing::GenOptions o;
    o.load_percent = 40;
    sp::View v = sp::testing::random_view(seed, o);  // about 1 peer in 5 ineligible
    const auto before = sp::place(v);
    const bool before_all = counts_all(v);
    Rng rng{seed * 131};
    const std::size_t dead = rng.below(v.peers.size());
    if (v.peers[dead].state != sp::MemberState::alive || large(v, dead)) continue;
    v.peers[dead].state = sp::MemberState::dead;
    const auto after = sp::place(v);
    again += moved_others(before, after, v.peers[dead].name);
    for (const auto& in : before.instances) orphans += in.owner == v.peers[dead].name ? 1 : 0;
    v.peers[dead].state = sp::MemberState::alive;
    v.peers.push_back(make_peer("joiner", 12000, 24000, "eu-1"));
    if (counts_all(v) != before_all) continue;
    const auto joined = sp::place(v);
    for (std::size_t i = 0; i < before.instances.size(); ++i) {
      if (joined.instances[i].owner == std::optional<std::string>("joiner")) ++taken;
      else if (joined.instances[i].owner != before.instances[i].owner) ++shuffled;
    }
  }
  CAPTURE(orphans, again, taken, shuffled);
  WARN("failure: " << orphans << " orphans, " << again << " others moved; join: " << taken << " taken, "
                   << shuffled << " others moved");
  REQUIRE(orphans > 300);
  // Measured (300 seeds, 40% load, balance cap on): 71 others per 333 orphans on a failure
  // (version 1: 106 per 312), 307 others per 341 taken on a join (version 1: 282 per 360).
  // With every peer up before, a failure moves no other (see the test above; version 1: 96
  // per 369). The join cost is the spread caps and the balance cap (both bounded loads).
  REQUIRE(orphans > 250);
  REQUIRE(again * 3 <= orphans);
  REQUIRE(taken > 250);
  REQUIRE(shuffled * 5 <= taken * 6);
}
