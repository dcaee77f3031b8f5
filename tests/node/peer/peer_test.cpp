// Peer: one peer's decisions over its engine, as the agent and the simulator both host it.
// Two peers exchange their datagrams in memory on virtual time.
#include <catch2/catch.hpp>


#include "gossip/bytes.hpp"
#include "gossip/store.hpp"
#include "node/peer/peer.hpp"
#include "tests/node/peer/peer_net.hpp"
#include "node/peer/state_codec.hpp"

using shoal::gossip::kMillis;
using shoal::gossip::kSeconds;
using shoal::gossip::Micros;
namespace gossip = shoal::gossip;
namespace node = shoal::node;
namespace placement = shoal::placement;

using namespace shoal::node::testing;

namespace {

constexpr node::PeerTiming kTiming{10 * kSeconds, 30 * kSeconds};

node::Peer make_peer(const std::string& name, std::uint16_t port, Micros started_at) {
  return node::Peer(gossip::Identity{name, {"127.0.0.1", port}, 1, {}}, gossip::Config{},
                    port, started_at, kTiming);
}

placement::PeerStatus one_instance(placement::InstanceState state) {
  placement::PeerStatus st;
  placement::InstanceStatus is;
  is.id = {"web", 0};
  is.state = state;
  is.spec_hash = "abc";
  st.instances.push_back(is);
  return st;
}

// a and b joined into one cluster (b through a), at `now` on return.
struct Pair {
  Micros now = 0;
  node::Peer a = make_peer("a", 7001, 0);
  node::Peer b = make_peer("b", 7002, 0);
  Pair() {
    gossip::Outbox out;
    a.engine().join(at(now), {}, out);
    deliver({&a, &b}, now, std::move(out), {"127.0.0.1", 7001});
    const gossip::Address seed{"127.0.0.1", 7001};
    gossip::Outbox join;
    b.engine().join(at(now), std::span(&seed, 1), join);
    deliver({&a, &b}, now, std::move(join), {"127.0.0.1", 7002});
    run({&a, &b}, now, 2 * kSeconds);
  }
};

}  // namespace

TEST_CASE("peer: synced at its join, ready due after join_grace, announced in its metadata",
          "[node][peer]") {
  Pair c;
  REQUIRE(c.b.engine().joined());
  CHECK(c.b.gates(c.now).synced);
  CHECK_FALSE(c.b.gates(c.now).alone_since);  // a is alive
  CHECK_FALSE(c.b.ready_due(c.now));          // up 2 s of a 10 s join_grace
  CHECK(c.b.ready_due(10 * kSeconds));
  gossip::Outbox out;
  REQUIRE(c.b.announce_ready(at(10 * kSeconds), out));
  CHECK(c.b.readiness().ready());
  CHECK(c.b.engine().find_member("b")->meta.ready);
  CHECK_FALSE(c.b.ready_due(11 * kSeconds));  // once
  Micros now = 10 * kSeconds;
  deliver({&c.a, &c.b}, now, std::move(out), {"127.0.0.1", 7002});
  run({&c.a, &c.b}, now, 13 * kSeconds);
  CHECK(c.a.engine().find_member("b")->meta.ready);  // gossiped
}

TEST_CASE("peer: alone since its last live member went, synced after solo_after alone",
          "[node][peer]") {
  node::Peer p = make_peer("solo", 7003, 0);
  const gossip::Address gone{"127.0.0.1", 7999};  // a seed that never answers
  gossip::Outbox out;
  p.engine().join(at(0), std::span(&gone, 1), out);
  node::StepGates g = p.gates(0);
  CHECK_FALSE(g.synced);
  REQUIRE(g.alone_since);
  CHECK(*g.alone_since == 0);
  CHECK_FALSE(p.gates(29 * kSeconds).synced);
  CHECK(p.gates(30 * kSeconds).synced);
}

TEST_CASE("peer: status/<self> is written only when its encoding changes", "[node][peer]") {
  Pair c;
  const auto running = one_instance(placement::InstanceState::running);
  auto first = c.a.publish_status(at(c.now), running);
  REQUIRE(first);
  CHECK_FALSE(c.a.publish_status(at(c.now + 1), running));
  auto second = c.a.publish_status(at(c.now + 2), one_instance(placement::InstanceState::healthy));
  REQUIRE(second);
  CHECK(*first < *second);
  const gossip::Bytes* mine = c.a.engine().state().get(gossip::Store::status_key("a"));
  REQUIRE(mine);
  CHECK(node::decode_status(gossip::bytes_to_string(*mine)) ==
        one_instance(placement::InstanceState::healthy));
}

TEST_CASE("peer: reads the statuses of its live others, not its own nor one that does not decode",
          "[node][peer]") {
  Pair c;
  REQUIRE(c.a.publish_status(at(c.now), one_instance(placement::InstanceState::running)));
  REQUIRE(c.b.publish_status(at(c.now), one_instance(placement::InstanceState::healthy)));
  run({&c.a, &c.b}, c.now, 5 * kSeconds);
  auto seen = c.b.other_statuses();
  REQUIRE(seen.size() == 1);
  CHECK(seen.at("a") == one_instance(placement::InstanceState::running));
  CHECK(c.b.live_peers() == std::set<std::string>{"a", "b"});

  c.a.engine().put(at(c.now), gossip::Store::status_key("a"), gossip::string_to_bytes("\xc1"));
  run({&c.a, &c.b}, c.now, 8 * kSeconds);
  CHECK(c.b.other_statuses().empty());
}
