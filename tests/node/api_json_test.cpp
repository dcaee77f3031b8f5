// JSON shapes of the API and the view hash.
#include <catch2/catch.hpp>

#include "node/api_json.hpp"
#include "node/cli_client.hpp"

using namespace shoal;

namespace {

gossip::Members two_members() {
  gossip::Members ms;
  gossip::Member a;
  a.name = "a";
  a.addr = {"127.0.0.1", 7950};
  a.incarnation = 3;
  a.meta.zone = "eu-1";
  a.meta.ready = true;
  a.meta.cpu_milli = 2000;
  a.meta.memory_mib = 4096;
  gossip::Member b = a;
  b.name = "b";
  b.addr.port = 7960;
  b.state = gossip::MemberState::dead;
  b.meta.ready = false;
  ms[a.name] = a;
  ms[b.name] = b;
  return ms;
}

}  // namespace

TEST_CASE("members JSON: exactly the contract's keys, sorted by name", "[node][api]") {
  auto j = node::members_json(two_members());
  REQUIRE(j.size() == 2);
  CHECK(j[0]["name"] == "a");
  CHECK(j[0]["addr"] == "127.0.0.1:7950");
  CHECK(j[0]["state"] == "alive");
  CHECK(j[0]["zone"] == "eu-1");
  CHECK(j[0]["incarnation"] == 3);
  CHECK(j[0]["ready"] == true);
  CHECK(j[0].size() == 6);
  CHECK(j[1]["state"] == "dead");
  CHECK(j[1]["ready"] == false);
  const std::string table = node::members_table(j);
  CHECK(table.rfind("NAME", 0) == 0);
  CHECK(table.find("127.0.0.1:7960  dead") != std::string::npos);
}

TEST_CASE("view hash: 16 hex digits, changes with every placement input, order-free",
          "[node][api]") {
  auto ms = two_members();
  config::ServiceSpec web;
  web.name = "web";
  web.command = {"sleep", "100"};
  web.replicas = 3;
  config::ServiceSpec db = web;
  db.name = "db";
  const std::string h = node::view_hash(node::make_view(ms, {web, db}));
  CHECK(h.size() == 16);
  CHECK(h.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(node::view_hash(node::make_view(ms, {db, web})) == h);  // order of inputs is irrelevant
  auto web4 = web;
  web4.replicas = 4;
  CHECK(node::view_hash(node::make_view(ms, {web4, db})) != h);
  auto ms2 = ms;
  ms2["b"].state = gossip::MemberState::alive;
  CHECK(node::view_hash(node::make_view(ms2, {web, db})) != h);
  auto ms3 = ms;
  ms3["a"].meta.ready = false;
  CHECK(node::view_hash(node::make_view(ms3, {web, db})) != h);
  // Not a placement input: the member's address.
  auto ms4 = ms;
  ms4["a"].addr.port = 1;
  CHECK(node::view_hash(node::make_view(ms4, {web, db})) == h);
}

TEST_CASE("api address: --api flag, then SHOAL_API, then the default", "[node][cli]") {
  node::ApiTarget t;
  std::string e;
  ::unsetenv("SHOAL_API");
  REQUIRE(node::resolve_api("", t, e));
  CHECK(t.host == "127.0.0.1");
  CHECK(t.port == 7951);
  REQUIRE(node::resolve_api("10.0.0.2:9000", t, e));
  CHECK(t.host == "10.0.0.2");
  CHECK(t.port == 9000);
  REQUIRE(node::resolve_api("[::1]:8000", t, e));
  CHECK(t.host == "::1");
  CHECK(t.port == 8000);
  ::setenv("SHOAL_API", "127.0.0.5:1234", 1);
  node::ApiTarget u;
  REQUIRE(node::resolve_api("", u, e));
  CHECK(u.host == "127.0.0.5");
  CHECK(u.port == 1234);
  ::unsetenv("SHOAL_API");
  CHECK_FALSE(node::resolve_api("nohost", u, e));
  CHECK_FALSE(node::resolve_api("h:99999", u, e));
  CHECK_FALSE(e.empty());
}
