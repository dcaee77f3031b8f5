// The broadcast tree (gossip/tree.hpp): per-peer values reach every peer with few duplicates, loss
// is repaired by grafts, a member that does not speak the tree keeps the epidemic for all, and
// tree messages from outside the membership change nothing.
#include <catch2/catch.hpp>

#include "cluster_util.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

namespace {

Bytes status_value(std::size_t peer, int round) {
  Bytes b(150);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::byte((i * 7 + peer * 13 + round) & 0xff);
  return b;
}

// Every peer writes its own status/<peer> at `t` (a start storm).
void write_statuses(SimNet& net, Micros t, int round) {
  for (std::size_t i = 0; i < net.size(); ++i)
    net.at(t, [&net, i, round] {
      net.put(i, Store::status_key(peer_name(i)), status_value(i, round));
    });
}

// Whether every up peer holds round `round` of every up peer's status.
bool statuses_everywhere(const SimNet& net, int round) {
  for (std::size_t i = 0; i < net.size(); ++i) {
    if (!net.up(i)) continue;
    for (std::size_t j = 0; j < net.size(); ++j) {
      if (!net.up(j)) continue;
      const Bytes* v = net.engine(i).state().get(Store::status_key(peer_name(j)));
      if (v == nullptr || *v != status_value(j, round)) return false;
    }
  }
  return true;
}

Micros run_until_statuses(SimNet& net, int round, Micros limit) {
  while (net.now() < limit) {
    net.run_until(net.now() + 50 * kMillis);
    if (statuses_everywhere(net, round)) return net.now();
  }
  return -1;
}

struct Storm {
  Micros spread = -1;          // from the writes until every peer holds every status
  std::uint64_t duplicates = 0;  // status merges of a version already held, over all peers
  std::uint64_t bytes = 0;     // sent by all peers during the storm
  std::uint64_t grafts = 0;
};

Storm run_storm(bool tree, std::uint64_t loss_ppm, std::size_t n = 30) {
  SimNet net(2100 + loss_ppm);
  Config cfg = lan();
  cfg.tree_broadcast = tree;
  cfg.tree_min_members = 8;
  start_cluster(net, n, cfg);
  REQUIRE(run_until_converged(net, 30 * kSeconds) > 0);
  // A first storm, whose duplicates prune the links into a tree; then quiet.
  write_statuses(net, net.now() + 10 * kMillis, 0);
  REQUIRE(run_until_statuses(net, 0, net.now() + 30 * kSeconds) > 0);
  net.run_until(net.now() + 5 * kSeconds);
  net.set_loss(static_cast<double>(loss_ppm) / 1e6);
  std::uint64_t stale0 = 0, bytes0 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    stale0 += net.engine(i).state().stats().stale;
    bytes0 += net.engine(i).stats().bytes_out;
  }
  const Micros t = net.now() + 10 * kMillis;
  write_statuses(net, t, 1);  // the storm measured
  Storm s;
  const Micros done = run_until_statuses(net, 1, t + 60 * kSeconds);
  if (done > 0) s.spread = done - t;
  for (std::size_t i = 0; i < n; ++i) {
    s.duplicates += net.engine(i).state().stats().stale;
    s.bytes += net.engine(i).stats().bytes_out;
    s.grafts += net.engine(i).stats().tree_grafts_out;
  }
  s.duplicates -= stale0;
  s.bytes -= bytes0;
  return s;
}

}  // namespace

TEST_CASE("tree: a status storm reaches everyone with fewer duplicates and bytes") {
  const Storm tree = run_storm(true, 0);
  const Storm epidemic = run_storm(false, 0);
  std::printf("[measure] 30 peers each write status at once: everywhere after %.2f s (tree) / "
              "%.2f s (epidemic); duplicates %llu / %llu; bytes %llu / %llu\n",
              static_cast<double>(tree.spread) / kSeconds,
              static_cast<double>(epidemic.spread) / kSeconds,
              static_cast<unsigned long long>(tree.duplicates),
              static_cast<unsigned long long>(epidemic.duplicates),
              static_cast<unsigned long long>(tree.bytes),
              static_cast<unsigned long long>(epidemic.bytes));
  REQUIRE(tree.spread > 0);
  REQUIRE(epidemic.spread > 0);
  // 30 values to 29 peers each: the epidemic delivers each about eight times, the tree about
  // twice (a duplicate on a cycle before it is pruned, or a graft's answer after the push).
  CHECK(tree.duplicates < 2 * 30 * 29);
  CHECK(epidemic.duplicates > 4 * 30 * 29);
  CHECK(tree.bytes < epidemic.bytes);
  CHECK(tree.spread < 3 * kSeconds);
}

TEST_CASE("tree: at 20% loss grafts repair what the tree lost") {
  const Storm s = run_storm(true, 200'000);
  std::printf("[measure] 30 peers, 20%% loss: every status everywhere after %.2f s, %llu grafts\n",
              static_cast<double>(s.spread) / kSeconds, static_cast<unsigned long long>(s.grafts));
  REQUIRE(s.spread > 0);
  CHECK(s.grafts > 0);
  CHECK(s.spread < 10 * kSeconds);  // well before a push-pull (30 s) could have repaired it
}

TEST_CASE("tree: one member that does not speak it keeps the epidemic for all") {
  SimNet net(2201);
  Config cfg = lan();
  cfg.tree_min_members = 8;
  Config old_cfg = cfg;
  old_cfg.tree_broadcast = false;  // as a peer of an older version, which refuses type 12
  const std::size_t n = 12, legacy = 5;
  for (std::size_t i = 0; i < n; ++i) net.add(peer_name(i), i == legacy ? old_cfg : cfg);
  net.join_at(0, 0, {});
  for (std::size_t i = 1; i < n; ++i) net.join_at(static_cast<Micros>(i) * 20 * kMillis, i, {0});
  REQUIRE(run_until_converged(net, 30 * kSeconds) > 0);
  const Micros t = net.now() + 10 * kMillis;
  write_statuses(net, t, 1);
  REQUIRE(run_until_statuses(net, 1, t + 30 * kSeconds) > 0);
  CHECK(net.engine(legacy).stats().tree_refused == 0);  // nobody sent it a tree message
  CHECK(net.engine(legacy).stats().packets_malformed == 0);
  std::uint64_t pushes = 0;
  for (std::size_t i = 0; i < n; ++i) pushes += net.engine(i).stats().tree_pushes_out;
  CHECK(pushes == 0);

  // Once it is gone, the others switch to the tree.
  net.crash(legacy);
  REQUIRE(run_until_converged(net, net.now() + 60 * kSeconds) > 0);
  const Micros t2 = net.now() + 10 * kMillis;
  write_statuses(net, t2, 2);
  REQUIRE(run_until_statuses(net, 2, t2 + 30 * kSeconds) > 0);
  for (std::size_t i = 0; i < n; ++i) pushes += net.engine(i).stats().tree_pushes_out;
  CHECK(pushes > 0);
}

TEST_CASE("tree: messages from a non-member, and announcements of non-member keys, change nothing") {
  SimNet net(2301);
  Config cfg = lan();
  cfg.tree_min_members = 2;
  start_cluster(net, 4, cfg);
  REQUIRE(run_until_converged(net, 30 * kSeconds) > 0);
  const Store& before = net.engine(1).state();
  const std::size_t entries = before.entries().size();
  const Address stranger{"10.9.9.9", 7950};

  // A push from a name that is no member: refused whole.
  Entry forged{Store::status_key("p2"), Version{1ULL << 60, "p2"}, false, status_value(2, 9)};
  wire::Tree push{wire::TreeKind::push, "intruder", {}, encode_entries(std::span(&forged, 1))};
  net.inject(1, stranger, Channel::udp, wire::encode(push));
  net.run_until(net.now() + 10 * kMillis);
  CHECK(net.engine(1).stats().tree_refused == 1);
  CHECK(net.engine(1).state().entries().size() == entries);

  // A member announcing 10,000 keys of members that do not exist: nothing to graft, no table.
  wire::Tree ihave{wire::TreeKind::ihave, "p0", {}, {}};
  for (int k = 0; k < 10'000; ++k)
    ihave.ids.push_back(wire::TreeId{"status/ghost" + std::to_string(k), 1ULL << 40});
  const std::uint64_t grafts = net.engine(1).stats().tree_grafts_out;
  net.inject(1, net.addr_of(0), Channel::udp, wire::encode(ihave));
  net.run_until(net.now() + 5 * kSeconds);
  CHECK(net.engine(1).stats().tree_grafts_out == grafts);
  CHECK(net.engine(1).state().entries().size() == entries);
}

TEST_CASE("tree: below tree_min_members the epidemic carries per-peer values") {
  SimNet net(2401);
  Config cfg = lan();
  cfg.tree_min_members = 13;  // one more than the cluster
  start_cluster(net, 12, cfg);
  REQUIRE(run_until_converged(net, 30 * kSeconds) > 0);
  write_statuses(net, net.now() + 10 * kMillis, 1);
  REQUIRE(run_until_statuses(net, 1, net.now() + 30 * kSeconds) > 0);
  for (std::size_t i = 0; i < 12; ++i) CHECK(net.engine(i).stats().tree_pushes_out == 0);
}
