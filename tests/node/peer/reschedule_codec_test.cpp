// Reschedule in replicated values: spec/<service> carries "reschedule" only when the file has
// the table, status/<peer> carries "f" (instances failed here) and "h" (services shed for
// failing health checks, placement/health_shed.hpp) only when there are; older peers ignore
// these keys, and hostile lists are refused or bounded by the bytes received.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "node/config_json.hpp"
#include "node/peer/catalog.hpp"
#include "node/peer/state_codec.hpp"

using namespace shoal;
using J = nlohmann::json;

TEST_CASE("spec reschedule: round-trips, absent without the table", "[node][codec][reschedule]") {
  config::ServiceSpec s;
  s.name = "web";
  s.image = "nginx";
  s.restart.max_attempts = 2;
  CHECK_FALSE(J::parse(node::encode_spec(s)).contains("reschedule"));
  s.reschedule = config::ReschedulePolicy{2, 600000, 5000};
  const std::string bytes = node::encode_spec(s);
  CHECK(J::parse(bytes)["v"] == 1);
  CHECK(J::parse(bytes)["reschedule"] == J::array({2, 600000, 5000}));
  auto back = node::decode_spec(bytes);
  REQUIRE(back);
  CHECK(*back == s);
  J bad = J::parse(bytes);
  bad["reschedule"] = J::array({1});
  CHECK_FALSE(node::decode_spec(bad.dump()));
  bad["reschedule"] = J::array({"x", 1, 2});
  CHECK_FALSE(node::decode_spec(bad.dump()));
}

TEST_CASE("status failed_here: round-trips as \"f\", absent when empty, hostile refused",
          "[node][codec][reschedule]") {
  placement::PeerStatus st;
  st.instances.push_back({{"web", 0}, placement::InstanceState::failed, "0123456789abcdef"});
  CHECK_FALSE(J::parse(node::encode_status(st)).contains("f"));
  st.failed_here = {{"db", 3}, {"web", 0}};
  const std::string bytes = node::encode_status(st);
  CHECK(J::parse(bytes)["f"] == J::parse(R"([["db",3],["web",0]])"));
  auto back = node::decode_status(bytes);
  REQUIRE(back);
  CHECK(*back == st);
  // Unsorted and repeated entries come back sorted and once.
  J j = J::parse(bytes);
  j["f"] = J::parse(R"([["web",0],["db",3],["web",0]])");
  back = node::decode_status(j.dump());
  REQUIRE(back);
  CHECK(back->failed_here == st.failed_here);
  for (const char* hostile : {R"("web")", R"([["web"]])", R"([["web",-1]])", R"([[1,2]])",
                              R"([["web",4294967296]])", R"({"web":1})"}) {
    j["f"] = J::parse(hostile);
    INFO(hostile);
    CHECK_FALSE(node::decode_status(j.dump()));
  }
}

TEST_CASE("status shed: round-trips as \"h\", absent when empty, hostile refused",
          "[node][codec][reschedule][shed]") {
  placement::PeerStatus st;
  st.instances.push_back({{"web", 0}, placement::InstanceState::unhealthy, "0123456789abcdef"});
  st.failed_here = {{"web", 0}};
  CHECK_FALSE(J::parse(node::encode_status(st)).contains("h"));
  st.shed = {{"db", 1, true}, {"web", 3, false}};
  const std::string bytes = node::encode_status(st);
  CHECK(J::parse(bytes)["h"] == J::parse(R"([["db",1,1],["web",3,0]])"));
  auto back = node::decode_status(bytes);
  REQUIRE(back);
  CHECK(*back == st);
  J j = J::parse(bytes);
  j["h"] = J::parse(R"([["web",3,0],["db",1,1],["web",9,1]])");  // unsorted, repeated
  back = node::decode_status(j.dump());
  REQUIRE(back);
  CHECK(back->shed == st.shed);
  for (const char* hostile : {R"("web")", R"([["web",1]])", R"([["web",-1,0]])", R"([["web",1,2]])",
                              R"([[1,1,0]])", R"([["web",4294967296,0]])", R"({"web":1})"}) {
    j["h"] = J::parse(hostile);
    INFO(hostile);
    CHECK_FALSE(node::decode_status(j.dump()));
  }
}

TEST_CASE("status outgoing_ports: round-trip as \"r\", the catalog lists the old copy as serving",
          "[node][codec]") {
  placement::PeerStatus st;
  st.instances.push_back({{"web", 0}, placement::InstanceState::starting, "0123456789abcdef"});
  st.instances[0].host_ports = {{"http", 30002}};
  CHECK_FALSE(J::parse(node::encode_status(st)).contains("r"));
  st.instances[0].outgoing_ports = {{"http", 30001}};
  const std::string bytes = node::encode_status(st);
  CHECK(J::parse(bytes)["r"] == J::parse(R"([[0,{"http":30001}]])"));
  auto back = node::decode_status(bytes);
  REQUIRE(back);
  CHECK(*back == st);
  J j = J::parse(bytes);
  for (const char* hostile : {R"([[1,{"http":1}]])", R"([[0,{"http":70000}]])", R"([[0]])",
                              R"([[0,[1]]])", R"({"0":1})", R"([[-1,{}]])"}) {
    j["r"] = J::parse(hostile);
    INFO(hostile);
    CHECK_FALSE(node::decode_status(j.dump()));
  }
  gossip::Members members;
  gossip::Member m;
  m.state = gossip::MemberState::alive;
  m.addr.host = "10.0.0.1";
  members["a"] = m;
  const auto eps = node::endpoints("web", members, {{"a", st}}, nullptr);
  REQUIRE(eps.size() == 2);
  int serving = 0;
  for (const auto& e : eps) serving += e.serving ? 1 : 0;
  CHECK(serving == 1);  // the old copy; the new one is starting
}

TEST_CASE("check --json shows the reschedule policy, null without the table",
          "[node][codec][reschedule]") {
  config::ServiceSpec s;
  s.name = "web";
  s.image = "nginx";
  CHECK(node::to_json(s)["reschedule"].is_null());
  s.reschedule = config::ReschedulePolicy{};
  const auto r = node::to_json(s)["reschedule"];
  CHECK(r["attempts"] == 3);
  CHECK(r["interval_ms"] == 3600000);
  CHECK(r["delay_ms"] == 30000);
}
