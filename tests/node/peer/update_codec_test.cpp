// The rolling-update policy and settledness in replicated values: spec/<service> carries
// "update" only when the file has the table (older peers ignore it), status/<peer> carries
// "s" (settled positions) only when its peer says and "o" (overdue positions) only when there
// are; an older peer's status (no "s") decodes with settledness unsaid, and hostile positions
// are refused. `check --json` shows the policy; `shoal services` the deployment verdict.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "node/config_json.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/spec_hash.hpp"

using namespace shoal;
using J = nlohmann::json;

namespace {

config::ServiceSpec codec_web() {
  config::ServiceSpec s;
  s.name = "web";
  s.image = "nginx";
  s.replicas = 4;
  return s;
}

placement::PeerStatus two(std::optional<bool> a, std::optional<bool> b) {
  placement::PeerStatus st;
  for (std::uint32_t i = 0; i < 2; ++i) {
    placement::InstanceStatus s;
    s.id = {"web", i};
    s.state = placement::InstanceState::healthy;
    s.spec_hash = "0123456789abcdef";
    s.settled = i == 0 ? a : b;
    st.instances.push_back(s);
  }
  return st;
}

}  // namespace

TEST_CASE("spec update: round-trips, absent without the table, bytes as before", "[node][codec][update]") {
  auto s = codec_web();
  const std::string plain = node::encode_spec(s);
  CHECK_FALSE(J::parse(plain).contains("update"));
  s.update = config::UpdatePolicy{};
  s.update->parallelism = 3;
  s.update->min_healthy_time = 2500;
  const std::string bytes = node::encode_spec(s);
  CHECK(J::parse(bytes)["v"] == 1);  // an older peer still decodes it (and ignores the key)
  CHECK(J::parse(bytes)["update"] == J::array({3, "stop-first", 2500, 300000, false, 0}));
  auto back = node::decode_spec(bytes);
  REQUIRE(back);
  CHECK(*back == s);
  J bad = J::parse(bytes);
  bad["update"][1] = "sideways";
  CHECK_FALSE(node::decode_spec(bad.dump()));
  bad["update"] = J::array({1});
  CHECK_FALSE(node::decode_spec(bad.dump()));
}

TEST_CASE("status settled: round-trips, absent when unsaid, an older value decodes", "[node][codec][update]") {
  const auto said = two(true, false);
  const std::string bytes = node::encode_status(said);
  CHECK(J::parse(bytes)["s"] == J::array({0}));
  auto back = node::decode_status(bytes);
  REQUIRE(back);
  CHECK(*back == said);

  const std::string unsaid = node::encode_status(two(std::nullopt, std::nullopt));
  CHECK_FALSE(J::parse(unsaid).contains("s"));
  // An older peer's value, as it encoded it (no "s"): decodes, settledness unsaid.
  const std::string old =
      R"({"i":[["web",0,"healthy","0123456789abcdef",{},0,0]],"v":1})";
  auto o = node::decode_status(old);
  REQUIRE(o);
  REQUIRE(o->instances.size() == 1);
  CHECK_FALSE(o->instances[0].settled.has_value());
}

TEST_CASE("status settled and overdue: hostile positions are refused", "[node][codec][update]") {
  for (const char* key : {"s", "o"}) {
    J j = J::parse(node::encode_status(two(true, true)));
    for (const J& s : {J(5), J::array({2}), J::array({-1}), J::array({"0"}), J::array({1.5})}) {
      j[key] = s;
      CHECK_FALSE(node::decode_status(j.dump()));
    }
  }
}

TEST_CASE("status overdue: round-trips, written only when some instance is", "[node][codec][update]") {
  auto st = two(false, false);
  CHECK_FALSE(J::parse(node::encode_status(st)).contains("o"));
  st.instances[1].overdue = true;
  const std::string bytes = node::encode_status(st);
  CHECK(J::parse(bytes)["o"] == J::array({1}));
  auto back = node::decode_status(bytes);
  REQUIRE(back);
  CHECK(*back == st);
}

TEST_CASE("services: deployment is rolling, healthy or failed from the statuses (null without update)",
          "[node][update]") {
  auto s = codec_web();
  s.replicas = 2;
  placement::Assignment asg;
  asg.instances = {{{"web", 0}, std::string("a"), ""}, {{"web", 1}, std::string("b"), ""}};
  const std::string h = placement::spec_hash(s);
  auto status = [&](std::uint32_t i, bool settled, bool overdue) {
    placement::PeerStatus st;
    placement::InstanceStatus x;
    x.id = {"web", i};
    x.state = placement::InstanceState::running;
    x.spec_hash = h;
    x.settled = settled;
    x.overdue = overdue;
    st.instances.push_back(x);
    return st;
  };
  std::map<std::string, placement::PeerStatus> statuses{{"a", status(0, true, false)},
                                                         {"b", status(1, false, false)}};
  CHECK(node::services_json({s}, asg, statuses)[0]["deployment"].is_null());
  s.update = config::UpdatePolicy{};
  CHECK(node::services_json({s}, asg, statuses)[0]["deployment"] == "rolling");
  statuses["b"] = status(1, true, false);
  CHECK(node::services_json({s}, asg, statuses)[0]["deployment"] == "healthy");
  statuses["b"] = status(1, false, true);
  CHECK(node::services_json({s}, asg, statuses)[0]["deployment"] == "failed");
}

TEST_CASE("check --json shows the update policy (null without the table)", "[node][update]") {
  auto s = codec_web();
  CHECK(node::to_json(s)["update"].is_null());
  s.update = config::UpdatePolicy{};
  const J u = node::to_json(s)["update"];
  CHECK(u == J{{"parallelism", 1}, {"order", "stop-first"}, {"min_healthy_time_ms", 10000},
               {"healthy_deadline_ms", 300000}, {"auto_revert", false}, {"canary", 0}});
}
