// Unit tests of what_if: the difference between placing the view now and with some peers dead.
#include <catch2/catch.hpp>

#include <set>

#include "../../placement/place_gen.hpp"
#include "node/peer/what_if.hpp"
#include "placement/contained.hpp"
#include "placement/place.hpp"

namespace sp = shoal::placement;
using shoal::node::parse_what_if_query;
using shoal::node::what_if;
using shoal::node::what_if_json;
using shoal::node::WhatIfDown;
using sp::testing::make_peer;
using sp::testing::make_service;

namespace {

sp::View five_peers(bool zones = false) {
  sp::View v;
  v.peers = {make_peer("a", 4000, 8192), make_peer("b", 4000, 8192), make_peer("c", 4000, 8192),
             make_peer("d", 4000, 8192), make_peer("e", 4000, 8192)};
  if (zones) {
    for (std::size_t i = 0; i < v.peers.size(); ++i) v.peers[i].zone = "z" + std::to_string(i / 2 + 1);
  }
  v.services = {make_service("api", 4, 100, 128), make_service("web", 10, 100, 128)};
  return v;
}

// what_if's answer is exactly the difference between `now` and `then`, in (service, index) order.
void require_is_diff(const shoal::node::WhatIfResult& r, const sp::Assignment& now,
                     const sp::Assignment& then) {
  std::size_t mi = 0, ui = 0;
  for (const auto& p : now.instances) {
    const std::string* later = then.owner_of(p.id);
    if (!p.owner || (later && *later == *p.owner)) continue;
    if (later) {
      REQUIRE(mi < r.moves.size());
      const auto& m = r.moves[mi++];
      REQUIRE(std::tie(m.service, m.index) == std::tie(p.id.service, p.id.index));
      REQUIRE(m.from == *p.owner);
      REQUIRE(m.to == *later);
    } else {
      REQUIRE(ui < r.unplaced.size());
      const auto& u = r.unplaced[ui++];
      REQUIRE(std::tie(u.service, u.index) == std::tie(p.id.service, p.id.index));
      REQUIRE(u.from == *p.owner);
      REQUIRE_FALSE(u.reason.empty());
    }
  }
  REQUIRE(mi == r.moves.size());
  REQUIRE(ui == r.unplaced.size());
}

WhatIfDown peers(std::vector<std::string> p) { return WhatIfDown{std::move(p), std::nullopt}; }

}  // namespace

TEST_CASE("what-if: peers down move exactly their instances, where placement then puts them",
          "[what-if]") {
  const sp::View v = five_peers();
  const sp::Assignment now = sp::place(v);
  const auto r = what_if(v, now, peers({"d", "a"}));
  REQUIRE(r.error.empty());
  REQUIRE(r.down == std::vector<std::string>{"a", "d"});
  REQUIRE(r.unplaced.empty());

  sp::View dead = v;
  dead.peers[0].state = sp::MemberState::dead;
  dead.peers[3].state = sp::MemberState::dead;
  const sp::Assignment then = sp::place(dead);
  std::size_t on_down = 0;
  for (const auto& p : now.instances) on_down += (*p.owner == "a" || *p.owner == "d");
  REQUIRE(on_down > 0);
  REQUIRE(r.moves.size() == on_down);  // v2 moves only the dead peers' instances
  for (const auto& m : r.moves) {
    REQUIRE((m.from == "a" || m.from == "d"));
    REQUIRE((m.to != "a" && m.to != "d"));
  }
  require_is_diff(r, now, then);
  // Nothing changes when the peer holds nothing... or is already dead.
  const auto again = what_if(dead, then, peers({"a"}));
  REQUIRE(again.error.empty());
  REQUIRE(again.moves.empty());
  REQUIRE(again.unplaced.empty());
}

TEST_CASE("what-if: a zone down takes every peer of the zone", "[what-if]") {
  const sp::View v = five_peers(true);  // a, b in z1; c, d in z2; e in z3
  const sp::Assignment now = sp::place(v);
  WhatIfDown z;
  z.zone = "z2";
  const auto r = what_if(v, now, z);
  REQUIRE(r.error.empty());
  REQUIRE(r.down == std::vector<std::string>{"c", "d"});
  REQUIRE(r.unplaced.empty());
  sp::View dead = v;
  dead.peers[2].state = dead.peers[3].state = sp::MemberState::dead;
  require_is_diff(r, now, sp::place(dead));
  // Everything the zone held leaves it. (With zone spread, an instance elsewhere may move too:
  // placement v2's "only the dead peers' instances" is exact without zone quotas.)
  std::size_t in_zone = 0, left_zone = 0;
  for (const auto& p : now.instances) in_zone += (*p.owner == "c" || *p.owner == "d");
  for (const auto& m : r.moves) {
    REQUIRE((m.to == "a" || m.to == "b" || m.to == "e"));
    left_zone += (m.from == "c" || m.from == "d");
  }
  REQUIRE(in_zone > 0);
  REQUIRE(left_zone == in_zone);
}

TEST_CASE("what-if: capacity short leaves instances unplaced with placement's reason",
          "[what-if]") {
  sp::View v;
  v.peers = {make_peer("a", 1000, 1024), make_peer("b", 1000, 1024)};
  v.services = {make_service("big", 2, 800, 512)};
  const sp::Assignment now = sp::place(v);
  REQUIRE(now.owner_of({"big", 0}) != nullptr);
  REQUIRE(now.owner_of({"big", 1}) != nullptr);
  const auto r = what_if(v, now, peers({"a"}));
  REQUIRE(r.error.empty());
  REQUIRE(r.moves.empty());
  REQUIRE(r.unplaced.size() == 1);
  REQUIRE(r.unplaced[0].service == "big");
  REQUIRE(r.unplaced[0].from == "a");
  REQUIRE(r.unplaced[0].reason.find("cpu") != std::string::npos);

  const auto j = what_if_json(r);
  REQUIRE(j["moves"] == nlohmann::json::array());
  REQUIRE(j["unplaced"][0]["service"] == "big");
  REQUIRE(j["unplaced"][0]["from"] == "a");
  REQUIRE(j["unplaced"][0]["reason"].is_string());
  REQUIRE(j["down"] == nlohmann::json::array({"a"}));
}

TEST_CASE("what-if: a global service's instance on a downed peer goes unplaced", "[what-if]") {
  sp::View v;
  v.peers = {make_peer("a", 1000, 1024), make_peer("b", 1000, 1024)};
  auto g = make_service("agent", 1, 10, 16);
  g.placement.mode = shoal::config::Placement::Mode::global;
  v.services = {g};
  const sp::Assignment now = sp::place(v);
  REQUIRE(now.instances.size() == 2);
  const auto r = what_if(v, now, peers({"b"}));
  REQUIRE(r.moves.empty());
  REQUIRE(r.unplaced.size() == 1);
  REQUIRE(r.unplaced[0].from == "b");
  REQUIRE(r.unplaced[0].reason.find("global") != std::string::npos);
}

TEST_CASE("what-if: unknown peers and zones are errors that name them", "[what-if]") {
  const sp::View v = five_peers();
  const sp::Assignment now = sp::place(v);
  auto r = what_if(v, now, peers({"a", "nope", "zz\"\\"}));
  REQUIRE(r.error == "unknown peers `nope`, `zz\"\\`");
  REQUIRE(r.moves.empty());
  REQUIRE(r.down.empty());
  WhatIfDown z;
  z.zone = "mars";
  r = what_if(v, now, z);
  REQUIRE(r.error.find("unknown zone `mars`") == 0);
}

TEST_CASE("what-if: the query takes exactly one of down and down_zone", "[what-if]") {
  auto q = parse_what_if_query("/v1/what-if?down=a,b");
  REQUIRE(q.down);
  REQUIRE(q.down->peers == std::vector<std::string>{"a", "b"});
  q = parse_what_if_query("/v1/what-if?down_zone=eu%2D1&x=1");
  REQUIRE(q.down);
  REQUIRE(q.down->zone == std::optional<std::string>("eu-1"));
  REQUIRE(q.down->peers.empty());
  for (const char* bad : {"/v1/what-if", "/v1/what-if?down=a&down_zone=z", "/v1/what-if?down=",
                          "/v1/what-if?down=a,,b", "/v1/what-if?down=a,", "/v1/what-if?down_zone=",
                          "/v1/what-if?down=%4", "/v1/what-if?down=%zz"}) {
    INFO(bad);
    q = parse_what_if_query(bad);
    REQUIRE_FALSE(q.down);
    REQUIRE_FALSE(q.error.empty());
  }
}

TEST_CASE("what-if: hostile queries are answered, never thrown on", "[what-if]") {
  sp::testing::Rng rng{18};
  const sp::View v = five_peers();
  const sp::Assignment now = sp::place(v);
  for (int k = 0; k < 2000; ++k) {
    std::string t = "/v1/what-if?";
    const char* pieces[] = {"down=", "down_zone=", "&", ",", "%", "%2", "%41", "a", "\xff", "=", "?"};
    for (std::uint64_t n = rng.below(12); n > 0; --n) t += pieces[rng.below(11)];
    const auto q = parse_what_if_query(t);
    REQUIRE(q.down.has_value() == q.error.empty());
    if (q.down) {
      const auto r = what_if(v, now, *q.down);
      REQUIRE((r.error.empty() || (r.moves.empty() && r.unplaced.empty())));
      (void)shoal::node::what_if_json(r).dump(-1, ' ', false,
                                              nlohmann::json::error_handler_t::replace);
    }
  }
}
