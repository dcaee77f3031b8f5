// Health shedding in status/<peer> and the event log: "h" ([service, failures, host rule])
// round-trips and is absent when nothing is shed; hostile entries refuse the value; a service
// newly shed gives one host.shed event saying why.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "node/peer/event_log.hpp"
#include "node/peer/state_codec.hpp"

using namespace shoal;
using J = nlohmann::json;

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

TEST_CASE("host.shed: one event per service as it starts being shed",
          "[node][events][reschedule][shed]") {
  placement::PeerStatus before, now;
  now.shed = {{"web", 3, false}};
  auto ev = node::instance_events(before, now, "p1", 42);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == "host.shed");
  CHECK(ev[0].peer == "p1");
  CHECK(ev[0].service == "web");
  CHECK(ev[0].index == -1);
  CHECK(ev[0].reason.find("3 health-check failure(s)") != std::string::npos);
  CHECK(ev[0].reason.find("move to other peers") != std::string::npos);
  // Still shed (more failures counted): no new event; a second service by the host rule: one.
  before = now;
  now.shed = {{"db", 1, true}, {"web", 4, true}};
  ev = node::instance_events(before, now, "p1", 43);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].service == "db");
  CHECK(ev[0].reason.find("the host sheds") != std::string::npos);
  CHECK(node::instance_events(now, now, "p1", 44).empty());
  CHECK(node::instance_events(now, before, "p1", 45).empty());  // clearing says nothing
}
