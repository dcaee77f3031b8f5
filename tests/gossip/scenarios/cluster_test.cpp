// Multi-peer behaviour of the membership engine on the deterministic test network.
#include <catch2/catch.hpp>

#include <algorithm>

#include "cluster_util.hpp"
#include "gossip/suspicion.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

TEST_CASE("cluster: 50 peers joining through one seed converge") {
  const std::uint64_t seed = 1;
  SimNet net(seed);
  start_cluster(net, 50, lan());
  Micros t = run_until_converged(net, 60 * kSeconds);
  INFO("seed " << seed << "\n" << net.describe(49));
  REQUIRE(t > 0);
  std::printf("[measure] 50 peers via one seed: converged (all alive everywhere) at %.2f s\n",
              static_cast<double>(t) / kSeconds);
  for (std::size_t i = 0; i < 50; ++i) {
    CHECK(net.engine(i).members().size() == 50);
    CHECK(net.engine(i).joined());
  }
  CHECK(net.view_hashes_equal());
  CHECK(net.engine(0).view_hash_hex().size() == 16);
  // Stays converged, with no false alarm, for a while.
  net.run_until(t + 30 * kSeconds);
  CHECK(net.converged());
  CHECK(count_events(net, EventKind::member_suspect, 0) == 0);
  CHECK(count_events(net, EventKind::member_dead, 0) == 0);
}

TEST_CASE("cluster: a crashed peer is declared dead by every peer within the suspicion bound") {
  const std::uint64_t seed = 2;
  const std::size_t n = 50;
  SimNet net(seed);
  Config cfg = lan();
  start_cluster(net, n, cfg);
  Micros t = run_until_converged(net, 60 * kSeconds);
  REQUIRE(t > 0);
  const Micros crash_at = t + 5 * kSeconds;
  net.run_until(crash_at);
  const std::size_t victim = 17;
  net.crash(victim);
  // The bound: someone probes the victim within one round over n-1 members; a failed probe
  // lasts at most 2 probe intervals; every peer that hears the suspicion times it out itself
  // after at most the maximum (unconfirmed) suspicion timeout; 2 s of dissemination slack.
  const Micros smin = suspicion_min_timeout(cfg.suspicion_mult, n, cfg.probe_interval);
  const Micros bound = static_cast<Micros>(n - 1) * cfg.probe_interval +
                       2 * cfg.probe_interval + cfg.suspicion_max_mult * smin + 2 * kSeconds;
  net.run_until(crash_at + bound);
  std::vector<Micros> detect;
  for (std::size_t i = 0; i < n; ++i) {
    if (i == victim) continue;
    Micros first = -1;
    for (const auto& r : net.events())
      if (r.node == i && r.time >= crash_at && r.event.name == peer_name(victim) &&
          r.event.kind == EventKind::member_dead) {
        first = r.time;
        break;
      }
    INFO("seed " << seed << " peer " << i << ": " << net.describe(i));
    REQUIRE(first >= 0);
    CHECK(first - crash_at <= bound);
    CHECK(net.state_at(i, peer_name(victim)) == MemberState::dead);
    detect.push_back(first - crash_at);
  }
  std::sort(detect.begin(), detect.end());
  std::printf("[measure] crash of 1 of %zu peers: dead everywhere, first %.2f s, median %.2f s, "
              "last %.2f s (asserted bound %.2f s)\n",
              n, static_cast<double>(detect.front()) / kSeconds,
              static_cast<double>(detect[detect.size() / 2]) / kSeconds,
              static_cast<double>(detect.back()) / kSeconds, static_cast<double>(bound) / kSeconds);
  // Nobody else was declared dead.
  for (const auto& r : net.events())
    if (r.event.kind == EventKind::member_dead) CHECK(r.event.name == peer_name(victim));
}

TEST_CASE("cluster: a falsely suspected peer refutes and stays alive") {
  SimNet net(3);
  start_cluster(net, 10, lan());
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  const std::uint64_t inc = net.engine(3).incarnation();
  // p5 hears a (false) suspicion of p3 from p7.
  net.inject(5, net.addr_of(7), Channel::udp,
             wire::encode(wire::Suspect{peer_name(3), inc, peer_name(7)}));
  CHECK(net.state_at(5, peer_name(3)) == MemberState::suspect);
  net.run_until(t + 20 * kSeconds);
  CHECK(net.engine(3).incarnation() > inc);
  CHECK(net.engine(3).stats().refutations >= 1);
  CHECK(net.converged());
  CHECK(count_events(net, EventKind::member_dead, 0) == 0);
  CHECK(count_events(net, EventKind::member_alive, 0, peer_name(3)) >= 1);
}

TEST_CASE("cluster: a peer stalled for 20 s and resumed does not declare the others dead") {
  SimNet net(4);
  start_cluster(net, 10, lan());
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  const std::size_t frozen = 2;
  const Micros resume = t + 20 * kSeconds;
  net.freeze(frozen, resume);
  net.run_until(resume + 60 * kSeconds);
  for (const auto& r : net.events())
    if (r.node == frozen && r.time >= resume) {
      CHECK(r.event.kind != EventKind::member_dead);
      CHECK(r.event.kind != EventKind::member_suspect);
    }
  CHECK(net.engine(frozen).stats().stalls >= 1);
  INFO(net.describe(frozen));
  CHECK(net.converged());  // the others took it back too
}

TEST_CASE("cluster: graceful leave shows as left everywhere") {
  SimNet net(5);
  start_cluster(net, 10, lan());
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  const std::size_t leaver = 4;
  // Leave, keep gossiping for 2 s as node/ would, then stop.
  net.at(t + 1 * kSeconds, [&] { net.leave(leaver); });
  net.run_until(t + 3 * kSeconds);
  net.crash(leaver);
  net.run_until(t + 60 * kSeconds);
  for (std::size_t i = 0; i < net.size(); ++i) {
    if (i == leaver) continue;
    INFO(net.describe(i));
    CHECK(net.state_at(i, peer_name(leaver)) == MemberState::left);
  }
  CHECK(count_events(net, EventKind::member_dead, 0) == 0);
  CHECK(count_events(net, EventKind::member_left, 0, peer_name(leaver)) == net.size() - 1);
}

TEST_CASE("cluster: a second peer claiming a live name is refused") {
  SimNet net(6);
  start_cluster(net, 5, lan());
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  const Address original = net.addr_of(2);
  std::size_t impostor = net.add("p2", lan());  // same name, another address
  net.join_at(t + 1 * kSeconds, impostor, {0});
  net.run_until(t + 40 * kSeconds);
  for (std::size_t i = 0; i < 5; ++i) {
    const Member* m = net.engine(i).member("p2");
    REQUIRE(m);
    CHECK(m->addr == original);
    CHECK(m->state == MemberState::alive);
  }
  bool refused = false;
  for (const auto& r : net.events())
    if (r.node != impostor && r.event.kind == EventKind::name_conflict &&
        r.event.addr == net.addr_of(impostor))
      refused = true;
  CHECK(refused);
  CHECK(net.engine(0).stats().name_conflicts >= 1);
  CHECK(count_events(net, EventKind::member_dead, 0) == 0);
}

TEST_CASE("cluster: a restarted peer jumps above the incarnation the cluster holds") {
  SimNet net(7);
  start_cluster(net, 5, lan());
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  Outbox out;
  Meta meta;
  for (int i = 0; i < 4; ++i) {
    meta.cpu_milli = 1000 * (i + 1);
    REQUIRE(net.engine(3).set_meta(Clock{net.now(), 0}, meta, out));
  }
  out.clear();
  const std::uint64_t old_inc = net.engine(3).incarnation();
  CHECK(old_inc >= 5);
  net.run_until(t + 5 * kSeconds);
  CHECK(net.engine(0).member("p3")->incarnation == old_inc);
  CHECK(net.engine(0).member("p3")->meta.cpu_milli == 4000);
  net.crash(3);
  net.run_until(t + 40 * kSeconds);
  CHECK(net.state_at(0, "p3") == MemberState::dead);
  // Back without its disk: incarnation 0 again.
  net.at(net.now(), [&] { net.restart(3, "p3", lan(), 0, {0}); });
  Micros back = run_until_converged(net, net.now() + 30 * kSeconds);
  REQUIRE(back > 0);
  CHECK(net.engine(3).incarnation() > old_inc);
  CHECK(count_events(net, EventKind::self_refuted, 0, "p3") >= 1);
}

TEST_CASE("cluster: metadata updates reach everyone, oversized metadata is refused") {
  SimNet net(8);
  start_cluster(net, 8, lan());
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  Meta m;
  m.zone = "eu-2";
  m.ready = true;
  m.labels["ssd"] = "true";
  Outbox out;
  Meta huge = m;
  huge.labels["blob"] = std::string(600, 'x');
  CHECK_FALSE(net.engine(1).set_meta(Clock{net.now(), 0}, huge, out));
  net.at(t + 1 * kSeconds, [&] {
    Outbox o;
    REQUIRE(net.engine(1).set_meta(Clock{net.now(), 0}, m, o));
  });
  net.run_until(t + 10 * kSeconds);
  Meta said = m;
  said.tree_broadcast = true;  // the engine says it speaks the broadcast tree (lan default)
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(net.engine(i).member("p1")->meta == said);
  }
  CHECK(count_events(net, EventKind::member_updated, 0, "p1") == 7);
}

TEST_CASE("cluster: a stalled peer re-arms its suspicion timers instead of acting on stale ones") {
  for (bool lifeguard : {true, false}) {
    SimNet net(9);
    start_cluster(net, 10, lan(lifeguard));
    Micros t = run_until_converged(net, 30 * kSeconds);
    REQUIRE(t > 0);
    // p5 alone suspects p3 (a stale rumour) and is then stopped for 30 s, longer than any
    // suspicion timeout, before it could gossip the rumour.
    net.inject(5, net.addr_of(7), Channel::udp,
               wire::encode(wire::Suspect{"p3", net.engine(3).incarnation(), "p7"}));
    REQUIRE(net.state_at(5, "p3") == MemberState::suspect);
    const Micros resume = net.now() + 30 * kSeconds;
    net.freeze(5, resume);
    net.run_until(resume + 10 * kMillis);
    const int health_after_stall = net.engine(5).local_health();
    net.run_until(resume + 30 * kSeconds);
    const std::size_t dead_p3 = count_events(net, EventKind::member_dead, 0, "p3");
    INFO("lifeguard " << lifeguard << ": " << net.describe(5));
    if (lifeguard) {
      CHECK(dead_p3 == 0);  // re-armed: p3 heard the rumour and refuted in time
      CHECK(net.engine(5).stats().stalls >= 1);
      CHECK(health_after_stall >= 1);
      CHECK(net.converged());
    } else {
      CHECK(dead_p3 > 0);  // plain SWIM fires the stale timer on resume
    }
  }
}
