// A member declared dead comes back (its agent was frozen longer than the failure detector
// allows): the status/<member> it wrote before is no proof that anything runs there, so a
// handoff back to it waits for a status it writes after its return. Two peers exchange their
// datagrams in memory on virtual time; b's reconcile steps read b's Peer as the agent does.
#include <catch2/catch.hpp>


#include "gossip/store.hpp"
#include "node/peer/peer.hpp"
#include "tests/node/peer/peer_net.hpp"
#include "placement/spec_hash.hpp"
#include "tests/placement/reconcile_fixture.hpp"

using shoal::gossip::kMillis;
using shoal::gossip::kSeconds;
using shoal::gossip::Micros;
namespace gossip = shoal::gossip;
namespace node = shoal::node;
namespace placement = shoal::placement;
namespace pt = shoal::placement::testing;

using namespace shoal::node::testing;

namespace {

node::Peer make_return_peer(const std::string& name, std::uint16_t port) {
  return node::Peer(gossip::Identity{name, {"127.0.0.1", port}, 1, {}}, gossip::Config{}, port,
                    0, node::PeerTiming{10 * kSeconds, 30 * kSeconds});
}

placement::PeerStatus running(const shoal::config::ServiceSpec& spec) {
  placement::PeerStatus st;
  placement::InstanceStatus is;
  is.id = {spec.name, 0};
  is.state = placement::InstanceState::running;
  is.spec_hash = placement::spec_hash(spec);
  st.instances.push_back(is);
  return st;
}

gossip::MemberState state_at(node::Peer& p, const std::string& member) {
  return p.engine().find_member(member)->state;
}

// a starts alone, b joins through it.
void join_pair(node::Peer& a, node::Peer& b, Micros now) {
  gossip::Outbox out;
  a.engine().join(at(now), {}, out);
  deliver({&a, &b}, now, std::move(out), addr_of(a));
  const gossip::Address seed = addr_of(a);
  gossip::Outbox join;
  b.engine().join(at(now), std::span(&seed, 1), join);
  deliver({&a, &b}, now, std::move(join), addr_of(b));
}

}  // namespace

TEST_CASE("peer return: a handoff back to a member that was dead waits for a status written "
          "after its return",
          "[node][peer]") {
  Micros now = 0;
  node::Peer a = make_return_peer("a", 7101);
  node::Peer b = make_return_peer("b", 7102);
  join_pair(a, b, now);
  const auto web = pt::make_service("web", 1);
  REQUIRE(a.publish_status(at(now), running(web)));  // a owns web/0 and runs it
  run({&a, &b}, now, 3 * kSeconds);
  REQUIRE(b.other_statuses().at("a") == running(web));
  CHECK_FALSE(b.status_stale("a"));

  // a freezes: b declares it dead and runs web/0 itself (a's supervisors stop a's copy, which
  // a, frozen, cannot say).
  run({&b}, now, 30 * kSeconds);
  REQUIRE(state_at(b, "a") == gossip::MemberState::dead);
  CHECK(b.status_stale("a"));
  pt::Harness h({}, "b");
  h.services = {web};
  h.run(pt::iid("web", 0), web, placement::InstanceState::healthy);

  // a thaws and refutes its death; its old status is all b holds of it.
  run({&a, &b}, now, 32 * kSeconds);
  REQUIRE(state_at(b, "a") == gossip::MemberState::alive);
  CHECK(b.status_stale("a"));
  CHECK(b.other_statuses().at("a").instances.empty());  // reports nothing running
  h.assignment = pt::assign({{"web", 0, "a"}});         // placement gives web/0 back to a
  h.live = b.live_peers();
  h.peers = b.other_statuses();
  placement::Plan p = h.step_apply(32'000);
  CHECK(pt::stopped(p).empty());  // make-before-break: b's copy serves on
  CHECK(h.find(pt::iid("web", 0))->state == placement::InstanceState::healthy);

  // a starts its copy again and says so: the same encoding as before its death, written anew
  // (a refuted since), so b now reads it and hands off.
  const auto again = a.publish_status(at(now), running(web));
  REQUIRE(again);
  run({&a, &b}, now, 33 * kSeconds);
  CHECK_FALSE(b.status_stale("a"));
  REQUIRE(b.other_statuses().at("a") == running(web));
  CHECK_FALSE(a.publish_status(at(now), running(web)));  // once: unchanged after that
  h.peers = b.other_statuses();
  p = h.step_apply(33'000);
  CHECK(pt::stopped(p) ==
        std::vector<std::pair<std::string, placement::StopReason>>{
            {"web/0", placement::StopReason::handed_off}});
}

TEST_CASE("peer return: a status written while the member was alive is read as it is",
          "[node][peer]") {
  // A member that was never declared dead (suspected or not) is not stale, and a status
  // arriving after a member's death that is newer than the one held then counts.
  Micros now = 0;
  node::Peer a = make_return_peer("a", 7111);
  node::Peer b = make_return_peer("b", 7112);
  join_pair(a, b, now);
  const auto web = pt::make_service("web", 1);
  run({&a, &b}, now, 3 * kSeconds);
  CHECK_FALSE(b.status_stale("a"));  // no status at all
  REQUIRE(a.publish_status(at(now), running(web)));
  run({&a, &b}, now, 5 * kSeconds);
  CHECK_FALSE(b.status_stale("a"));  // alive
  run({&b}, now, 30 * kSeconds);     // a cut off: dead at b
  REQUIRE(state_at(b, "a") == gossip::MemberState::dead);
  CHECK(b.status_stale("a"));
  placement::PeerStatus none;  // a wrote, while cut off, that it runs nothing
  REQUIRE(a.publish_status(at(now), none));
  run({&a, &b}, now, 32 * kSeconds);
  REQUIRE(state_at(b, "a") == gossip::MemberState::alive);
  CHECK_FALSE(b.status_stale("a"));
  CHECK(b.other_statuses().at("a") == none);
}
