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
  // Added for the dashboard: the capacity each member announces, and whether it takes work.
  CHECK(j[0]["cpu_milli"] == 2000);
  CHECK(j[0]["memory_mib"] == 4096);
  CHECK(j[0]["schedulable"] == true);
  CHECK(j[0].size() == 9);
  CHECK(j[1]["state"] == "dead");
  CHECK(j[1]["ready"] == false);
  const std::string table = node::members_table(j);
  CHECK(table.rfind("NAME", 0) == 0);
  CHECK(table.find("127.0.0.1:7960  dead") != std::string::npos);
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
