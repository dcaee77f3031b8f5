// Replicated state carried by the engine: piggybacked deltas under a reserved share of each
// packet, whole values over the stream channel, push-pull repair, status living with its member.
#include <catch2/catch.hpp>

#include "cluster_util.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

namespace {

Bytes value_of(std::size_t n, std::uint64_t salt) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = std::byte((i * 131 + salt) & 0xff);
  return b;
}

Micros run_until_state_converged(SimNet& net, Micros limit) {
  while (net.now() < limit) {
    net.run_until(net.now() + 100 * kMillis);
    if (net.state_converged()) return net.now();
  }
  return -1;
}

}  // namespace

TEST_CASE("replication: 100 writes on random peers converge everywhere, also at 20% loss") {
  for (std::uint64_t loss_ppm : {0u, 200'000u}) {
    const std::uint64_t seed = 51 + loss_ppm;
    SimNet net(seed);
    start_cluster(net, 20, lan());
    Micros t = run_until_converged(net, 30 * kSeconds);
    REQUIRE(t > 0);
    net.set_loss(static_cast<double>(loss_ppm) / 1e6);
    Rng rng(seed);
    const Micros start = net.now();
    for (int k = 0; k < 100; ++k) {
      std::size_t peer = rng.below(20);
      std::size_t size = 10 + rng.below(300);
      std::string key = "spec/s" + std::to_string(rng.below(60));  // some keys written twice
      net.at(start + k * 50 * kMillis,
             [&net, peer, key, size, k] { net.put(peer, key, value_of(size, k)); });
    }
    net.run_until(start + 5 * kSeconds);
    Micros done = run_until_state_converged(net, start + 120 * kSeconds);
    INFO("seed " << seed << " loss ppm " << loss_ppm);
    REQUIRE(done > 0);
    std::printf("[measure] 100 writes on 20 peers at %llu%% loss: identical state everywhere "
                "%.1f s after the last write\n",
                static_cast<unsigned long long>(loss_ppm / 10'000),
                static_cast<double>(done - start - 5 * kSeconds) / kSeconds);
    // Deltas the epidemic missed are repaired by the state sync each peer runs once its delta
    // queue drains, well before the next push-pull (30 s here).
    CHECK(done - start - 5 * kSeconds < 10 * kSeconds);
    CHECK(net.engine(0).state().entries().size() >= 40);
    CHECK(net.view_hashes_equal());
  }
}

TEST_CASE("replication: a 64 KiB value replicates whole at 20% loss") {
  SimNet net(61);
  start_cluster(net, 12, lan());
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  net.set_loss(0.2);
  const Bytes big = value_of(64 * 1024, 7);
  net.put(3, "status/p3", big);
  Micros done = run_until_state_converged(net, net.now() + 60 * kSeconds);
  REQUIRE(done > 0);
  for (std::size_t i = 0; i < net.size(); ++i) {
    const Bytes* v = net.engine(i).state().get("status/p3");
    REQUIRE(v);
    CHECK(*v == big);
  }
  CHECK(net.engine(3).stats().state_oversized_sent > 0);
  bool event_seen = false;
  for (const auto& r : net.events())
    if (r.node == 5 && r.event.kind == EventKind::state_changed && r.event.name == "status/p3")
      event_seen = true;
  CHECK(event_seen);
  std::printf("[measure] a 64 KiB value on 12 peers at 20%% loss: everywhere after %.1f s\n",
              static_cast<double>(done - t) / kSeconds);
}

TEST_CASE("replication: deletes converge and stay deleted") {
  SimNet net(62);
  start_cluster(net, 10, lan());
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  net.put(2, "spec/web", value_of(100, 1));
  REQUIRE(run_until_state_converged(net, net.now() + 30 * kSeconds) > 0);
  net.run_until(net.now() + 1 * kSeconds);
  net.erase(7, "spec/web");
  REQUIRE(run_until_state_converged(net, net.now() + 30 * kSeconds) > 0);
  net.run_until(net.now() + 90 * kSeconds);  // several push-pull rounds later
  for (std::size_t i = 0; i < net.size(); ++i) {
    CHECK(net.engine(i).state().get("spec/web") == nullptr);
    const Entry* e = net.engine(i).state().find("spec/web");
    REQUIRE(e);
    CHECK(e->deleted);
  }
}

TEST_CASE("replication: status/<peer> is dropped everywhere when its member is forgotten") {
  SimNet net(63);
  Config cfg = lan();
  cfg.reconnect_timeout = 60 * kSeconds;
  start_cluster(net, 8, cfg);
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  net.put(3, "status/p3", value_of(50, 3));
  net.put(3, "spec/kept", value_of(50, 4));
  REQUIRE(run_until_state_converged(net, net.now() + 30 * kSeconds) > 0);
  net.crash(3);
  net.run_until(net.now() + 120 * kSeconds);
  for (std::size_t i = 0; i < net.size(); ++i) {
    if (i == 3) continue;
    CHECK(net.engine(i).member("p3") == nullptr);
    CHECK(net.engine(i).state().find("status/p3") == nullptr);
    CHECK(net.engine(i).state().get("spec/kept") != nullptr);
  }
  CHECK(count_events(net, EventKind::member_forgotten, 0, "p3") == net.size() - 1);
}

TEST_CASE("replication: membership and state each keep their share of a packet") {
  // One engine with 8 known members, a flood of state writes and a flood of membership news.
  const Address me{"10.9.0.1", 7950};
  Engine e(Identity{"me", me, 0, {}}, lan(), 5);
  Outbox out;
  Micros now = 0;
  e.join(Clock{now, now}, {}, out);
  for (int i = 0; i < 60; ++i) {  // 60 members announced: 60 queued alive updates
    wire::Alive a{"m" + std::to_string(i), Address{"10.9.1." + std::to_string(i), 7950}, 1, {}, 0};
    e.handle_packet(Clock{now, now}, a.addr, Channel::udp, wire::encode(a), out);
  }
  for (int k = 0; k < 200; ++k) e.put(Clock{now, 1'700'000'000 * kSeconds}, "spec/k" + std::to_string(k),
                                      value_of(200, k));
  REQUIRE(e.pending_broadcasts() >= 60);
  REQUIRE(e.state().pending_deltas() >= 200);
  out.clear();
  std::size_t gossip_packets = 0, with_both = 0;
  for (int step = 0; step < 3; ++step) {  // 3 gossip rounds: both queues stay non-empty
    now += 200 * kMillis;
    e.handle_tick(Clock{now, 1'700'000'000 * kSeconds + now}, out);
  }
  REQUIRE(e.pending_broadcasts() > 0);
  REQUIRE(e.state().pending_deltas() > 0);
  for (const auto& d : out.sends) {
    if (d.channel != Channel::udp) continue;
    CHECK(d.bytes.size() <= 1400);
    std::vector<wire::Message> msgs;
    REQUIRE(wire::decode(d.bytes, msgs));
    bool member_news = false, state = false;
    for (const auto& m : msgs) {
      member_news |= std::holds_alternative<wire::Alive>(m);
      state |= std::holds_alternative<wire::StateDelta>(m);
    }
    ++gossip_packets;
    with_both += (member_news && state) ? 1 : 0;
  }
  REQUIRE(gossip_packets >= 6);
  CHECK(with_both == gossip_packets);  // every packet carried both kinds
}

TEST_CASE("replication: a peer restored pull-first takes the cluster's state, or its own copy "
          "when nobody answers") {
  // A snapshot holding one spec, written long ago.
  Store old("p1");
  old.put(1'000 * kSeconds, "spec/old", value_of(10, 1));
  const Bytes snapshot = old.snapshot();
  const Micros wall0 = 1'700'000'000 * kSeconds;

  SECTION("nobody answers: a whole-cluster cold start falls back to the snapshot") {
    Engine e(Identity{"p1", Address{"10.0.0.2", 7950}, 0, {}}, lan(), 3);
    REQUIRE(e.restore_state(Clock{0, wall0}, snapshot, HoldBack::always).empty());
    CHECK(e.state().holding_back());
    CHECK(e.state().get("spec/old") == nullptr);
    Outbox out;
    Address seeds[] = {Address{"10.0.0.1", 7950}};  // never answers
    e.join(Clock{0, wall0}, seeds, out);
    for (Micros t = 0; t <= lan().cold_start_after + kSeconds; t += 100 * kMillis)
      e.handle_tick(Clock{t, wall0 + t}, out);
    CHECK_FALSE(e.state().holding_back());
    CHECK(e.state().get("spec/old") != nullptr);
  }
  SECTION("the cluster answers: its state wins, the held-back copy is not resurrected") {
    SimNet net(64);
    start_cluster(net, 4, lan());
    REQUIRE(run_until_converged(net, 30 * kSeconds) > 0);
    net.put(2, "spec/new", value_of(10, 2));
    REQUIRE(run_until_state_converged(net, net.now() + 30 * kSeconds) > 0);
    std::size_t p = net.add("p9", lan());
    REQUIRE(net.engine(p).restore_state(Clock{net.now(), wall0 + net.now()}, snapshot,
                                        HoldBack::always).empty());
    net.join_at(net.now(), p, {0});
    net.run_until(net.now() + 5 * kSeconds);
    CHECK_FALSE(net.engine(p).state().holding_back());
    CHECK(net.engine(p).state().get("spec/new") != nullptr);
    CHECK(net.engine(p).state().get("spec/old") == nullptr);  // older than tombstone_ttl: dropped
    CHECK(net.engine(0).state().get("spec/old") == nullptr);
  }
}
