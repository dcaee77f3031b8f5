// mode = "global": one instance on every eligible peer that passes the constraints, with ids
// from the peers' names, so joins and failures add and remove exactly their own instance.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "placement/explain.hpp"
#include "placement/place.hpp"
#include "place_gen.hpp"

namespace sp = shoal::placement;
using Mode = shoal::config::Placement::Mode;
using sp::testing::make_peer;
using sp::testing::make_service;
using sp::testing::Rng;

namespace {

// service/index -> owner ("" when unplaced) for one service.
std::map<std::uint32_t, std::string> instances(const sp::Assignment& a, const std::string& service) {
  std::map<std::uint32_t, std::string> out;
  for (const auto& in : a.instances)
    if (in.id.service == service) out[in.id.index] = in.owner.value_or("");
  return out;
}

sp::View agents_view(std::size_t peers) {
  sp::View v;
  for (std::size_t i = 0; i < peers; ++i) {
    v.peers.push_back(make_peer("node-" + std::to_string(i), 4000, 8192, i % 2 ? "eu-1" : "eu-2"));
    if (i % 3 == 0) v.peers.back().labels["gpu"] = "true";
  }
  auto agent = make_service("agent", 1, 100, 64);
  agent.placement.mode = Mode::global;
  v.services.push_back(agent);
  v.services.push_back(make_service("web", 12, 500, 512));
  return v;
}

}  // namespace

TEST_CASE("global: one instance on every eligible peer, constraints honoured", "[placement][global]") {
  sp::View v = agents_view(9);
  v.peers[4].state = sp::MemberState::dead;
  v.peers[5].ready = false;
  v.services[0].placement.constraints.push_back(
      sp::testing::constraint(shoal::config::Constraint::Attr::zone, shoal::config::Constraint::Op::ne, {"eu-2"}));
  const auto a = sp::place(v);
  std::set<std::string> owners;
  for (const auto& [index, owner] : instances(a, "agent")) {
    REQUIRE(!owner.empty());
    REQUIRE(owners.insert(owner).second);  // one a peer
  }
  // eu-1 holds node-1, 3, 5, 7; node-5 is not ready.
  REQUIRE(owners == std::set<std::string>{"node-1", "node-3", "node-7"});
  REQUIRE(instances(a, "web").size() == 12);  // the others are placed as before, beside them
  // Same answer whatever the order of the view.
  Rng rng{7};
  sp::testing::shuffle(v.peers, rng);
  sp::testing::shuffle(v.services, rng);
  REQUIRE(instances(sp::place(v), "agent") == instances(a, "agent"));
}

TEST_CASE("global: a join adds exactly one instance and a failure removes exactly its own",
          "[placement][global][property]") {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    CAPTURE(seed);
    Rng rng{seed};
    sp::View v = agents_view(3 + rng.below(30));
    const auto before = instances(sp::place(v), "agent");
    REQUIRE(before.size() == v.peers.size());
    // A join: the new peer's instance appears, nothing else changes.
    v.peers.push_back(make_peer("joiner-" + std::to_string(seed), 4000, 8192, "eu-1"));
    auto joined = instances(sp::place(v), "agent");
    REQUIRE(joined.size() == before.size() + 1);
    std::uint32_t added = 0;
    for (const auto& [index, owner] : joined) {
      if (owner == v.peers.back().name) added = index;
      else REQUIRE(before.at(index) == owner);
    }
    REQUIRE(joined.at(added) == v.peers.back().name);
    // A failure: its instance goes, the others keep id and owner.
    const std::size_t dead = rng.below(v.peers.size());
    v.peers[dead].state = sp::MemberState::dead;
    auto after = instances(sp::place(v), "agent");
    REQUIRE(after.size() == joined.size() - 1);
    for (const auto& [index, owner] : joined) {
      if (owner == v.peers[dead].name) REQUIRE(after.count(index) == 0);
      else REQUIRE(after.at(index) == owner);
    }
  }
}

TEST_CASE("global: a peer without room has its instance unplaced, with the reason", "[placement][global]") {
  sp::View v = agents_view(4);
  v.peers[2].cpu_milli = 50;  // less than the agent's 100m
  const auto a = sp::place(v);
  int unplaced = 0;
  for (const auto& in : a.instances) {
    if (in.id.service != "agent" || in.owner) continue;
    ++unplaced;
    REQUIRE(in.reason == "global: no room on its peer node-2: insufficient cpu");
    const auto ex = sp::explain(v, in.id);
    REQUIRE(ex.exists);
    REQUIRE_FALSE(ex.owner);
    REQUIRE(ex.ranked.at(0).peer == "node-2");
  }
  REQUIRE(unplaced == 1);
  const auto ex = sp::explain(v, a.instances.front().id);  // agents sort first
  REQUIRE(ex.exists);
  REQUIRE(ex.owner == a.instances.front().owner);
}
