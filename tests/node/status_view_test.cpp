// status_json: GET /v1/status rendered from a snapshot, without a process.
#include <catch2/catch.hpp>

#include "node/status_view.hpp"

using namespace shoal;
using Json = nlohmann::json;

namespace {

constexpr gossip::Micros kWall = 1'767'225'600LL * gossip::kSeconds;

struct ViewFixture {
  boost::asio::io_context io;
  node::StreamTransport stream{io, node::StreamLimits{},
                               [](const gossip::Address&, std::span<const std::byte>) { return true; },
                               nullptr};
  gossip::Engine engine{gossip::Identity{"a", {"127.0.0.1", 7001}, 3, {}}, gossip::Config{}, 1};
  ViewFixture() {
    gossip::Outbox out;
    engine.join({0, kWall}, {}, out);
  }
  node::StatusFacts facts() {
    node::StatusFacts f(engine, stream);
    f.name = "a";
    f.addr = "127.0.0.1:7001";
    f.profile = "lan";
    f.synced = true;
    f.wall_us = kWall;
    f.max_clock_skew_us = 60 * gossip::kSeconds;
    f.runtime = Json{{"driver", "process"}, {"available", true}, {"checked", true}};
    f.packets_dropped = 7;
    f.specs_refused = 2;
    f.local_services = Json::array({"web"});
    return f;
  }
};

}  // namespace

TEST_CASE("status view: the peer's own facts and its view's counts", "[node][status]") {
  ViewFixture fx;
  const Json j = node::status_json(fx.facts());
  CHECK(j["name"] == "a");
  CHECK(j["members"] == 1);
  CHECK(j["alive"] == 1);
  CHECK(j["ready"] == 0);  // not announced
  CHECK(j["schedulable"] == true);
  CHECK(j["unschedulable"] == Json::array());
  CHECK(j["incarnation"] == fx.engine.incarnation());
  CHECK(j["view_hash"] == fx.engine.view_hash_hex());
  CHECK(j["synced"] == true);
  CHECK(j["clock_warning"].is_null());
  CHECK(j["local_services"] == Json::array({"web"}));
  CHECK(j["runtime"]["driver"] == "process");
  CHECK(j["stats"]["packets_dropped"] == 7);
  CHECK(j["stats"]["specs_refused"] == 2);
  CHECK(j["stats"]["stream"]["inbound"] == 0);
  CHECK(j["stats"].contains("state"));
}

TEST_CASE("status view: a store written by a clock far ahead is warned about", "[node][status]") {
  ViewFixture fx;
  fx.engine.put({1, kWall + 3600 * gossip::kSeconds}, "spec/web", gossip::string_to_bytes("x"));
  node::StatusFacts f = fx.facts();
  const Json j = node::status_json(f);
  CHECK(j["clock_ahead_ms"].get<std::int64_t>() > 3500 * 1000);
  CHECK(j["clock_warning"].is_string());
}
