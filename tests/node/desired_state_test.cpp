// DesiredState: the gated specs of a peer's store and their placement, memoised per view.
#include <catch2/catch.hpp>

#include "gossip/bytes.hpp"
#include "node/desired_state.hpp"
#include "node/peer/state_codec.hpp"

using namespace shoal;
using Json = nlohmann::json;

namespace {

constexpr gossip::Micros kWall = 1'767'225'600LL * gossip::kSeconds;

gossip::Meta ready_meta() {
  gossip::Meta meta;
  meta.ready = true;
  meta.cpu_milli = 4000;
  meta.memory_mib = 4096;
  return meta;
}

// A peer alone, joined and ready.
struct ReadyPeer {
  node::Peer p{gossip::Identity{"a", {"127.0.0.1", 7001}, 1, ready_meta()}, gossip::Config{}, 1,
               0, {}};
  ReadyPeer() {
    gossip::Outbox out;
    p.engine().join({0, kWall}, {}, out);
  }
};

void put_spec(node::Peer& p, const std::string& name, int replicas, gossip::Micros at) {
  config::ServiceSpec sp;
  sp.name = name;
  sp.command = {"sleep", "1"};
  sp.replicas = replicas;
  p.engine().put({at, kWall + at}, "spec/" + name, gossip::string_to_bytes(node::encode_spec(sp)));
}

}  // namespace

TEST_CASE("desired state: the store's specs placed once per view", "[node][placement]") {
  ReadyPeer r;
  node::Peer& p = r.p;
  node::DesiredState d(p, 100);
  put_spec(p, "web", 2, 1);
  auto specs = d.specs();
  REQUIRE(specs.size() == 1);
  CHECK(d.placed(specs).instances.size() == 2);
  CHECK(d.placed(d.specs()).instances.size() == 2);
  CHECK(d.placements() == 1);  // the same view: memoised
  put_spec(p, "db", 1, 2);
  CHECK(d.placed(d.specs()).instances.size() == 3);
  CHECK(d.placements() == 2);
  CHECK(d.invalid_json() == Json::array());
}

TEST_CASE("desired state: a spec over the peer's replica limit is refused and listed",
          "[node][placement]") {
  ReadyPeer r;
  node::Peer& p = r.p;
  node::DesiredState d(p, 10);
  put_spec(p, "huge", 11, 1);
  p.engine().put({2, kWall + 2}, "spec/junk", gossip::string_to_bytes("\xc1"));
  CHECK(d.specs().empty());
  const Json invalid = d.invalid_json();
  REQUIRE(invalid.size() == 2);
  CHECK(d.refused() == 2);
  CHECK(invalid[0]["origin"] == "a");
}
