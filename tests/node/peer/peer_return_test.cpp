// A member declared dead comes back (its agent was frozen longer than the failure detector
// allows): the status/<member> it wrote before is no proof that anything runs there, so a
// handoff back to it waits for a status it writes after its return. Two peers exchange their
// datagrams in memory on virtual time; b's reconcile steps read b's Peer as the agent does.
#include <catch2/catch.hpp>

#include <deque>

#include "gossip/store.hpp"
#include "node/peer/peer.hpp"
#include "placement/spec_hash.hpp"
#include "tests/placement/reconcile_fixture.hpp"

using shoal::gossip::kMillis;
using shoal::gossip::kSeconds;
using shoal::gossip::Micros;
namespace gossip = shoal::gossip;
namespace node = shoal::node;
namespace placement = shoal::placement;
namespace pt = shoal::placement::testing;

namespace {

constexpr Micros kWall = 1'767'225'600LL * kSeconds;
gossip::Clock at(Micros now) { return {now, kWall + now}; }

node::Peer make_peer(const std::string& name, std::uint16_t port) {
  return node::Peer(gossip::Identity{name, {"127.0.0.1", port}, 1, {}}, gossip::Config{}, port,
                    0, node::PeerTiming{10 * kSeconds, 30 * kSeconds});
}

gossip::Address addr_of(node::Peer& p) { return p.engine().find_member(p.name())->addr; }

// Every datagram at once (and the answers) among `up`; one for a peer not up is lost. Every
// event goes to its peer's observe(), as the hosts do.
void deliver(const std::vector<node::Peer*>& up, Micros now, gossip::Outbox out,
             const gossip::Address& from) {
  std::deque<std::pair<gossip::Address, gossip::Datagram>> queue;
  for (auto& d : out.sends) queue.emplace_back(from, std::move(d));
  while (!queue.empty()) {
    auto [src, d] = std::move(queue.front());
    queue.pop_front();
    for (node::Peer* p : up) {
      if (addr_of(*p) != d.to) continue;
      gossip::Outbox reply;
      p->engine().handle_packet(at(now), src, d.channel, d.bytes, reply);
      for (const auto& e : reply.events) p->observe(e);
      for (auto& r : reply.sends) queue.emplace_back(d.to, std::move(r));
    }
  }
}

// The timers of the peers in `up` every 100 ms from `now` to `until` (the others are frozen).
void run(const std::vector<node::Peer*>& up, Micros& now, Micros until) {
  for (; now < until; now += 100 * kMillis) {
    for (node::Peer* p : up) {
      gossip::Outbox out;
      p->engine().handle_tick(at(now), out);
      for (const auto& e : out.events) p->observe(e);
      deliver(up, now, std::move(out), addr_of(*p));
    }
  }
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

}  // namespace

TEST_CASE("peer return: a handoff back to a member that was dead waits for a status written "
          "after its return",
          "[node][peer]") {
  Micros now = 0;
  node::Peer a = make_peer("a", 7101);
  node::Peer b = make_peer("b", 7102);
  {
    gossip::Outbox out;
    a.engine().join(at(now), {}, out);
    deliver({&a, &b}, now, std::move(out), addr_of(a));
    const gossip::Address seed = addr_of(a);
    gossip::Outbox join;
    b.engine().join(at(now), std::span(&seed, 1), join);
    deliver({&a, &b}, now, std::move(join), addr_of(b));
  }
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
  node::Peer a = make_peer("a", 7111);
  node::Peer b = make_peer("b", 7112);
  {
    gossip::Outbox out;
    a.engine().join(at(now), {}, out);
    const gossip::Address seed = addr_of(a);
    gossip::Outbox join;
    b.engine().join(at(now), std::span(&seed, 1), join);
    deliver({&a, &b}, now, std::move(join), addr_of(b));
  }
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
