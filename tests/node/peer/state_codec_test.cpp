// status/<peer> and spec/<service> encodings round-trip; malformed bytes decode to nothing;
// the ps and services joins.
#include <catch2/catch.hpp>

#include "config/constraint.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/spec_hash.hpp"

using namespace shoal;

namespace {

config::ServiceSpec full_spec() {
  config::ServiceSpec s;
  s.name = "web";
  s.command = {"httpd", "-f"};
  s.replicas = 3;
  s.ports = {{"admin", 9000, std::uint16_t{19000}}, {"http", 8080, std::nullopt}};
  s.env = {{"MODE", "prod"}};
  s.resources = {500, 256};
  s.restart.condition = config::RestartPolicy::Condition::on_failure;
  s.restart.delay = 2000;
  s.restart.max_attempts = 4;
  s.health.kind = config::HealthCheck::Kind::http;
  s.health.http_path = "/healthz";
  s.health.port = "http";
  s.placement.constraints = {*config::parse_constraint("label.ssd == true").value};
  s.placement.spread = config::Placement::Spread::zone;
  s.placement.max_per_peer = 1;
  s.placement.home = true;
  s.stop_grace = 3000;
  s.home_peer = "a";
  return s;
}

}  // namespace

TEST_CASE("spec encoding round-trips every field", "[node][codec]") {
  const auto s = full_spec();
  auto back = node::decode_spec(node::encode_spec(s));
  REQUIRE(back);
  CHECK(*back == s);
  CHECK_FALSE(node::decode_spec("{"));
  CHECK_FALSE(node::decode_spec("{\"v\":2}"));
  CHECK_FALSE(node::decode_spec("[1,2]"));
  std::string bytes = node::encode_spec(s);
  for (std::size_t cut = 0; cut < bytes.size(); cut += 7) {
    CHECK_NOTHROW(node::decode_spec(bytes.substr(0, cut)));
  }
}

TEST_CASE("spec encoding: every spread round-trips, older values decode, unknown ones are refused", "[node][codec]") {
  auto s = full_spec();
  for (auto mode : {config::Placement::Spread::automatic, config::Placement::Spread::peer,
                    config::Placement::Spread::zone, config::Placement::Spread::none}) {
    s.placement.spread = mode;
    const std::string bytes = node::encode_spec(s);
    CHECK(bytes.find(std::string("\"spread\":\"") + config::spread_name(mode) + "\"") != std::string::npos);
    auto back = node::decode_spec(bytes);
    REQUIRE(back);
    CHECK(back->placement.spread == mode);
  }
  // mode round-trips; a spec written before it decodes as replicated.
  s.placement.mode = config::Placement::Mode::global;
  CHECK(node::decode_spec(node::encode_spec(s))->placement.mode == config::Placement::Mode::global);
  auto j = nlohmann::json::parse(node::encode_spec(s));
  j.erase("mode");
  CHECK(node::decode_spec(j.dump())->placement.mode == config::Placement::Mode::replicated);
  s.placement.mode = config::Placement::Mode::replicated;
  // A spec written before version 2 says "none" for its default: it keeps that meaning.
  s.placement.spread = config::Placement::Spread::none;
  std::string old = node::encode_spec(s);
  CHECK(node::decode_spec(old)->placement.spread == config::Placement::Spread::none);
  const auto at = old.find("\"spread\":\"none\"");
  REQUIRE(at != std::string::npos);
  old.replace(at, 15, "\"spread\":\"rack\"");
  CHECK_FALSE(node::decode_spec(old));
}

TEST_CASE("a gossiped status or spec with numbers out of range or of the wrong kind is refused",
          "[node][codec]") {
  // Found by the values fuzz target: a float index past uint32 was converted (undefined).
  CHECK_FALSE(node::decode_status(R"({"i":[["web",888888888888888888989888888,0,{},0,0,0]],"v":1})"));
  CHECK_FALSE(node::decode_status(R"({"v":1,"i":[["web",4294967296,"running","",{},0,0]]})"));
  CHECK_FALSE(node::decode_status(R"({"v":1,"i":[["web",1.5,"running","",{},0,0]]})"));
  CHECK_FALSE(node::decode_status(R"({"v":1,"i":[["web",0,"running","",{"http":70000},0,0]]})"));
  CHECK_FALSE(node::decode_status(R"({"v":1,"i":[["web",0,"running","",{},1e30,0]]})"));
  CHECK_FALSE(node::decode_status(R"({"v":1e300,"i":[]})"));
  CHECK_FALSE(node::decode_status(R"({"v":"1","i":[]})"));
  CHECK(node::decode_status(R"({"v":1,"i":[["web",0,"running","",{"http":8080},2,-1]]})"));
  config::ServiceSpec web;
  web.name = "web";
  web.image = "nginx";
  const auto spec = node::encode_spec(web);
  REQUIRE(node::decode_spec(spec));
  const auto pos = spec.find("\"replicas\":");
  REQUIRE(pos != std::string::npos);
  CHECK_FALSE(node::decode_spec(spec.substr(0, pos) + "\"replicas\":1e300," +
                                spec.substr(spec.find(',', pos) + 1)));
  CHECK_FALSE(node::decode_spec(R"({"v":1e300})"));
}

TEST_CASE("status encoding round-trips, ps and services join it with the assignment",
          "[node][codec]") {
  placement::PeerStatus st;
  placement::InstanceStatus a;
  a.id = {"web", 0};
  a.state = placement::InstanceState::running;
  a.spec_hash = "0123456789abcdef";
  a.host_ports = {{"http", 31000}};
  placement::InstanceStatus b = a;
  b.id = {"web", 2};
  b.state = placement::InstanceState::exited;
  b.exit_code = 3;
  b.restarts = 2;
  st.instances = {a, b};
  auto back = node::decode_status(node::encode_status(st));
  REQUIRE(back);
  CHECK(*back == st);
  CHECK_FALSE(node::decode_status("{\"v\":1,\"i\":[[\"web\",0,\"bogus\",\"\",{},0,0]]}"));
  CHECK_FALSE(node::decode_status("garbage"));

  placement::Assignment asg;
  asg.instances = {{{"web", 0}, std::string("a"), ""},
                   {{"web", 1}, std::string("b"), ""},
                   {{"web", 2}, std::string("a"), ""},
                   {{"web", 3}, std::nullopt, "no peer has room"}};
  std::map<std::string, placement::PeerStatus> statuses{{"a", st}};
  gossip::Members members;
  members["a"].name = "a";
  members["a"].addr = {"127.0.0.11", 7950};  // its advertise address
  auto ps = node::ps_json(asg, statuses, members);
  REQUIRE(ps.size() == 4);
  CHECK(ps[0] == nlohmann::json{{"service", "web"}, {"index", 0}, {"peer", "a"},
                                {"address", "127.0.0.11"}, {"state", "running"},
                                {"host_ports", {{"http", 31000}}}, {"restarts", 0}});
  CHECK(ps[1]["state"] == "pending");  // b reports nothing yet
  CHECK(ps[1]["address"].is_null());   // and is not a member
  CHECK(ps[2]["state"] == "exited");
  CHECK(ps[2]["restarts"] == 2);
  CHECK(ps[3]["peer"].is_null());
  CHECK(ps[3]["address"].is_null());
  CHECK(ps[3]["state"] == "unplaced");

  auto spec = full_spec();
  spec.replicas = 4;
  spec.health.kind = config::HealthCheck::Kind::none;
  auto sv = node::services_json({spec}, asg, statuses);
  REQUIRE(sv.size() == 1);
  CHECK(sv[0]["name"] == "web");
  CHECK(sv[0]["replicas"] == 4);
  CHECK(sv[0]["running"] == 1);
  CHECK(sv[0]["healthy"] == 1);  // running without a health check counts as healthy
  CHECK(sv[0]["version"] == placement::spec_hash(spec));
}
