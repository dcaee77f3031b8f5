// Unit tests of placement::place and explain: eligibility, resources, ports, max_per_peer,
// zones, home, bounded loads, weights, reasons.
#include <catch2/catch.hpp>

#include <map>

#include "placement/explain.hpp"
#include "placement/place.hpp"
#include "place_gen.hpp"

namespace sp = shoal::placement;
using shoal::config::Constraint;
using sp::testing::make_peer;
using sp::testing::make_service;

namespace {

std::map<std::string, int> per_owner(const sp::Assignment& a, const std::string& service = "") {
  std::map<std::string, int> out;
  for (const auto& in : a.instances)
    if (in.owner && (service.empty() || in.id.service == service)) ++out[*in.owner];
  return out;
}

sp::View three_peers() {
  sp::View v;
  v.peers = {make_peer("a", 4000, 8192, "eu-1"), make_peer("b", 4000, 8192, "eu-2"),
             make_peer("c", 4000, 8192, "eu-3")};
  return v;
}

}  // namespace

TEST_CASE("place: an empty view places nothing and says why", "[placement]") {
  sp::View v;
  v.services.push_back(make_service("web", 2, 100, 100));
  const auto a = sp::place(v);
  REQUIRE(a.algorithm_version == sp::kAlgorithmVersion);
  REQUIRE(a.instances.size() == 2);
  REQUIRE_FALSE(a.instances[0].owner);
  REQUIRE(a.instances[0].reason == "no eligible peer: the view has no peers");
  REQUIRE(a.owner_of({"web", 0}) == nullptr);
}

TEST_CASE("place: eligibility follows state, ready, schedulable and algorithm version", "[placement]") {
  sp::View v;
  v.peers = {make_peer("dead", 4000, 4096), make_peer("left", 4000, 4096), make_peer("unready", 4000, 4096),
             make_peer("draining", 4000, 4096), make_peer("newer", 4000, 4096), make_peer("suspect", 4000, 4096)};
  v.peers[0].state = sp::MemberState::dead;
  v.peers[1].state = sp::MemberState::left;
  v.peers[2].ready = false;
  v.peers[3].schedulable = false;
  v.peers[4].algorithm_version = 2;  // the lowest in the view is 1: this one sits out
  v.peers[5].state = sp::MemberState::suspect;  // suspicion alone moves nothing
  v.services.push_back(make_service("web", 4, 100, 100));
  const auto a = sp::place(v);
  for (const auto& in : a.instances) REQUIRE(in.owner == std::optional<std::string>("suspect"));

  v.peers[5].state = sp::MemberState::dead;
  const auto none = sp::place(v);
  REQUIRE(none.instances[0].reason ==
          "no eligible peer: 2 peers are dead, 1 peer is left, 1 peer is not ready, 1 peer is not "
          "schedulable, 1 peer is on algorithm version 2 (the view's lowest is 1)");
}

TEST_CASE("place: constraints restrict peers and failures name the constraint", "[placement]") {
  sp::View v = three_peers();
  v.peers[1].labels["ssd"] = "true";
  auto svc = make_service("db", 2, 100, 100);
  svc.placement.constraints.push_back(
      sp::testing::constraint(Constraint::Attr::label, Constraint::Op::eq, {"true"}, "ssd"));
  v.services.push_back(svc);
  auto web = make_service("web", 3, 100, 100);
  web.placement.constraints.push_back(
      sp::testing::constraint(Constraint::Attr::zone, Constraint::Op::in, {"eu-1", "eu-3"}));
  v.services.push_back(web);
  const auto a = sp::place(v);
  REQUIRE(per_owner(a, "db") == std::map<std::string, int>{{"b", 2}});
  for (const auto& [peer, n] : per_owner(a, "web")) REQUIRE(peer != "b");

  sp::View all_eu3;
  all_eu3.peers = {make_peer("x", 1000, 1000, "eu-3"), make_peer("y", 1000, 1000, "eu-3"),
                   make_peer("z", 1000, 1000, "eu-3")};
  auto api = make_service("api", 1, 10, 10);
  api.placement.constraints.push_back(
      sp::testing::constraint(Constraint::Attr::zone, Constraint::Op::ne, {"eu-3"}));
  all_eu3.services.push_back(api);
  REQUIRE(sp::place(all_eu3).instances[0].reason == "no eligible peer: 3 peers fail constraint zone != eu-3");
}

TEST_CASE("place: never over capacity, and what does not fit is unplaced with the resource", "[placement]") {
  sp::View v = three_peers();
  v.services.push_back(make_service("big", 5, 1000, 5000));  // memory: one per peer
  const auto a = sp::place(v);
  REQUIRE(per_owner(a) == std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}});
  int unplaced = 0;
  for (const auto& in : a.instances)
    if (!in.owner) {
      ++unplaced;
      REQUIRE(in.reason == "insufficient memory on all 3 eligible peers");
    }
  REQUIRE(unplaced == 2);
}

TEST_CASE("place: two instances needing one static host port never share a peer", "[placement]") {
  sp::View v = three_peers();
  auto web = make_service("web", 4, 10, 10);
  shoal::config::Port port;
  port.name = "http";
  port.container = 80;
  port.host = 8080;
  web.ports.push_back(port);
  v.services.push_back(web);
  auto proxy = make_service("proxy", 1, 10, 10);
  proxy.ports.push_back(port);
  v.services.push_back(proxy);
  const auto a = sp::place(v);
  REQUIRE(per_owner(a) == std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}});
  int unplaced = 0;
  for (const auto& in : a.instances)
    if (!in.owner) {
      ++unplaced;
      REQUIRE(in.reason == "host port 8080 taken on all 3 eligible peers");
    }
  REQUIRE(unplaced == 2);
}

TEST_CASE("place: max_per_peer", "[placement]") {
  sp::View v = three_peers();
  auto web = make_service("web", 5, 10, 10);
  web.placement.max_per_peer = 1;
  v.services.push_back(web);
  const auto a = sp::place(v);
  REQUIRE(per_owner(a) == std::map<std::string, int>{{"a", 1}, {"b", 1}, {"c", 1}});
  for (const auto& in : a.instances)
    if (!in.owner) REQUIRE(in.reason == "max_per_peer 1 reached on all 3 eligible peers");
}

TEST_CASE("place: spread = zone splits replicas evenly over the zones", "[placement]") {
  sp::View v;
  for (const char* zone : {"eu-1", "eu-2", "eu-3"})
    for (int i = 0; i < 3; ++i)
      v.peers.push_back(make_peer(std::string(zone) + "-" + std::to_string(i), 8000, 8000, zone));
  auto web = make_service("web", 7, 10, 10);
  web.placement.spread = shoal::config::Placement::Spread::zone;
  v.services.push_back(web);
  const auto a = sp::place(v);
  std::map<std::string, int> zones;
  for (const auto& in : a.instances) {
    REQUIRE(in.owner);
    ++zones[in.owner->substr(0, 4)];
  }
  REQUIRE(zones.size() == 3);
  for (const auto& [zone, n] : zones) REQUIRE((n == 2 || n == 3));
}

TEST_CASE("place: weights follow capacity", "[placement]") {
  sp::View v;
  v.peers = {make_peer("small", 10000, 10000), make_peer("large", 20000, 20000)};
  v.services.push_back(make_service("web", 3000, 1, 1));
  const auto a = sp::place(v, sp::Tuning{0, 1, 512});  // no balance cap: weights alone
  const auto owners = per_owner(a);
  const double ratio = static_cast<double>(owners.at("large")) / owners.at("small");
  CAPTURE(owners.at("large"), owners.at("small"));
  REQUIRE(ratio > 1.8);
  REQUIRE(ratio < 2.2);
}

TEST_CASE("place: the balance cap bounds the most loaded peer", "[placement]") {
  sp::View v;
  for (int i = 0; i < 20; ++i) v.peers.push_back(make_peer(std::string("p").append(std::to_string(i)), 10000, 10000));
  v.services.push_back(make_service("web", 400, 250, 250));  // 50% of capacity, 20 per peer
  v.services.back().placement.spread = shoal::config::Placement::Spread::none;  // the cap alone
  const auto loads = per_owner(sp::place(v));
  const auto plain = per_owner(sp::place(v, sp::Tuning{0, 1, 512}));
  int most = 0, most_plain = 0;
  for (const auto& [p, n] : loads) most = std::max(most, n);
  for (const auto& [p, n] : plain) most_plain = std::max(most_plain, n);
  CAPTURE(most, most_plain);
  REQUIRE(most <= 25);        // 1.25 x the fair 20
  REQUIRE(most_plain > 25);   // and without the cap, hashing alone does exceed it here
}

TEST_CASE("place: the candidate group falls back to every peer when it has no room", "[placement]") {
  sp::View v;
  for (int i = 0; i < 40; ++i) v.peers.push_back(make_peer(std::string("p").append(std::to_string(i)), 100, 100));
  v.peers[17].cpu_milli = 10000;  // the only peer where the big instances fit
  v.peers[17].memory_mib = 10000;
  v.services.push_back(make_service("big", 6, 1000, 1000));
  sp::Tuning grouped;
  grouped.subset_above = 4;
  const auto a = sp::place(v, grouped);
  for (const auto& in : a.instances) REQUIRE(in.owner == std::optional<std::string>("p17"));
}

TEST_CASE("explain: ranks the peers and says why better-ranked ones were skipped", "[placement]") {
  sp::View v;
  v.peers = {make_peer("a", 4000, 4096), make_peer("b", 4000, 4096), make_peer("c", 4000, 4096),
             make_peer("d", 4000, 4096), make_peer("e", 100, 4096)};
  v.peers[0].state = sp::MemberState::dead;
  v.peers[1].ready = false;
  v.services.push_back(make_service("web", 2, 500, 256));
  const auto a = sp::place(v);
  for (std::uint32_t i = 0; i < 2; ++i) {
    const auto ex = sp::explain(v, {"web", i});
    CAPTURE(ex.to_string());
    REQUIRE(ex.exists);
    REQUIRE(ex.owner == a.instances[i].owner);
    REQUIRE(ex.ranked.size() == 5);
    bool seen_chosen = false;
    for (const auto& r : ex.ranked) {
      if (r.chosen) {
        seen_chosen = true;
        REQUIRE(r.peer == *ex.owner);
        continue;
      }
      if (r.peer == "a") REQUIRE(r.verdict == "ineligible: dead");
      if (r.peer == "b") REQUIRE(r.verdict == "ineligible: not ready");
      if (r.peer == "e" && !seen_chosen) REQUIRE(r.verdict.rfind("full: cpu", 0) == 0);
      if (seen_chosen && (r.peer == "c" || r.peer == "d")) REQUIRE(r.verdict == "ranked below the chosen peer");
    }
    REQUIRE(seen_chosen);
  }
  REQUIRE_FALSE(sp::explain(v, {"web", 7}).exists);
  REQUIRE_FALSE(sp::explain(v, {"nope", 0}).exists);
}

TEST_CASE("explain: an unplaced instance lists every refusal", "[placement]") {
  sp::View v = three_peers();
  auto web = make_service("web", 2, 10, 10);
  web.placement.max_per_peer = 1;
  v.peers.pop_back();
  v.services.push_back(web);
  v.services.push_back(make_service("big", 1, 9000, 10));
  const auto ex = sp::explain(v, {"big", 0});
  CAPTURE(ex.to_string());
  REQUIRE_FALSE(ex.owner);
  REQUIRE(ex.reason == "insufficient cpu on all 2 eligible peers");
  for (const auto& r : ex.ranked) REQUIRE(r.verdict.rfind("full: cpu (needs 9000m cpu", 0) == 0);
}

TEST_CASE("explain: the balance cap and zone quotas show as verdicts", "[placement]") {
  // Ten instances over two equal peers at 50% load: the cap (6 a peer) binds whenever hashing
  // alone would put 7 or more on one; across 20 service names it does.
  int capped = 0;
  for (int k = 0; k < 20; ++k) {
    sp::View v;
    v.peers = {make_peer("a", 10000, 10000), make_peer("b", 10000, 10000)};
    const std::string name = std::string("bulk-").append(std::to_string(k));
    v.services.push_back(make_service(name, 10, 1000, 1000));
    v.services.back().placement.spread = shoal::config::Placement::Spread::none;  // the cap alone
    const auto a = sp::place(v);
    for (std::uint32_t i = 0; i < 10; ++i) {
      const auto ex = sp::explain(v, {name, i});
      REQUIRE(ex.owner == a.instances[i].owner);
      REQUIRE(ex.ranked.size() == 2);
      if (ex.ranked[0].verdict == "balance cap: its load would pass 1.25x its fair share") {
        REQUIRE(ex.ranked[1].chosen);
        ++capped;
      }
    }
  }
  REQUIRE(capped > 0);

  sp::View q;
  q.peers = {make_peer("a1", 10000, 10000, "eu-1"), make_peer("b1", 10000, 10000, "eu-2")};
  auto two = make_service("two", 2, 100, 100);
  two.placement.spread = shoal::config::Placement::Spread::zone;
  q.services.push_back(two);
  const auto qa = sp::place(q);
  REQUIRE(*qa.instances[0].owner != *qa.instances[1].owner);  // one per zone
  for (std::uint32_t i = 0; i < 2; ++i) {
    const auto ex = sp::explain(q, {"two", i});
    CAPTURE(ex.to_string());
    if (!ex.ranked[0].chosen)
      REQUIRE(ex.ranked[0].verdict.rfind("zone quota: zone \"eu-", 0) == 0);
  }
}
