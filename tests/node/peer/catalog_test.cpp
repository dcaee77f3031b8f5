// The catalog: live members' reported instances at their advertise addresses.
#include <catch2/catch.hpp>

#include "node/peer/catalog.hpp"

using namespace shoal;
using placement::InstanceState;

namespace {

gossip::Members members_of(std::initializer_list<std::tuple<const char*, const char*, gossip::MemberState>> ms) {
  gossip::Members out;
  for (const auto& [name, host, state] : ms) {
    gossip::Member m;
    m.name = name;
    m.addr = {host, 7950};
    m.state = state;
    out[name] = m;
  }
  return out;
}

placement::InstanceStatus inst(const char* svc, std::uint32_t index, InstanceState s, std::uint16_t port) {
  placement::InstanceStatus i;
  i.id = {svc, index};
  i.state = s;
  i.host_ports["http"] = port;
  return i;
}

}  // namespace

TEST_CASE("catalog: instances of live members, at their advertise addresses, by index", "[node][peer][catalog]") {
  auto ms = members_of({{"a", "127.0.0.11", gossip::MemberState::alive},
                        {"b", "127.0.0.12", gossip::MemberState::suspect},
                        {"c", "127.0.0.13", gossip::MemberState::dead}});
  std::map<std::string, placement::PeerStatus> st;
  st["a"].instances = {inst("api", 0, InstanceState::running, 1), inst("web", 2, InstanceState::running, 31002)};
  st["b"].instances = {inst("web", 0, InstanceState::healthy, 31000), inst("web", 1, InstanceState::running, 31001)};
  st["c"].instances = {inst("web", 1, InstanceState::running, 39999)};  // dead: not listed
  st["ghost"].instances = {inst("web", 3, InstanceState::running, 1)};  // not a member
  config::ServiceSpec web;
  web.name = "web";
  web.health.kind = config::HealthCheck::Kind::http;
  const auto eps = node::endpoints("web", ms, st, &web);
  REQUIRE(eps.size() == 3);
  CHECK(eps[0].index == 0);
  CHECK(eps[0].address == "127.0.0.12");
  CHECK(eps[0].serving);          // healthy
  CHECK_FALSE(eps[1].serving);    // running, but the service has a health check
  CHECK(eps[2].peer == "a");
  CHECK(eps[2].ports.at("http") == 31002);
  const auto j = node::endpoints_json(eps);
  CHECK(j[0] == nlohmann::json{{"service", "web"}, {"index", 0}, {"peer", "b"}, {"address", "127.0.0.12"},
                               {"ports", {{"http", 31000}}}, {"state", "healthy"}});
  CHECK(node::endpoints("web", ms, st, nullptr)[1].serving);  // no spec known: running serves
  CHECK(node::endpoints("nope", ms, st, nullptr).empty());
}

TEST_CASE("catalog: the index changes with the answer", "[node][peer][catalog]") {
  const nlohmann::json a = nlohmann::json::array();
  nlohmann::json b = nlohmann::json::array({{{"service", "web"}}});
  CHECK(node::catalog_index(a) == node::catalog_index(nlohmann::json::array()));
  CHECK(node::catalog_index(a) != node::catalog_index(b));
  CHECK(node::catalog_index(a) != 0);
}

TEST_CASE("catalog: the answer, or unknown when no spec and no instance", "[node][peer][catalog]") {
  auto ms = members_of({{"a", "127.0.0.11", gossip::MemberState::alive}});
  std::map<std::string, placement::PeerStatus> st;
  st["a"].instances = {inst("old", 0, InstanceState::stopping, 31005)};
  config::ServiceSpec web;
  web.name = "web";
  const std::vector<config::ServiceSpec> specs{web};
  auto known = node::catalog_answer("web", ms, st, specs);  // a spec, no instance yet
  REQUIRE(known);
  CHECK(*known == nlohmann::json::array());
  auto leaving = node::catalog_answer("old", ms, st, specs);  // deleted, still stopping
  REQUIRE(leaving);
  CHECK((*leaving)[0]["state"] == "stopping");
  CHECK_FALSE(node::catalog_answer("nope", ms, st, specs));
}
