// Lifeguard earns its place: a CPU-starved peer (its packet handling lags by seconds) makes plain
// SWIM declare healthy peers dead; with Lifeguard the count is zero.
#include <catch2/catch.hpp>

#include "cluster_util.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

namespace {

struct Outcome {
  std::size_t healthy_declared_dead = 0;  // member_dead events about anyone but the slow peer
  std::size_t slow_declared_dead = 0;
  int slow_health = 0;
};

Outcome run_slow_peer(std::uint64_t seed, bool lifeguard, Micros lag, std::size_t n = 20) {
  SimNet net(seed);
  start_cluster(net, n, lan(lifeguard));
  Micros t = run_until_converged(net, 30 * kSeconds);
  REQUIRE(t > 0);
  const std::size_t slow = 5;
  const Micros start = t + 1 * kSeconds;
  net.at(start, [&] { net.set_lag(slow, lag); });
  net.run_until(start + 90 * kSeconds);
  Outcome o;
  for (const auto& r : net.events()) {
    if (r.time < start || r.event.kind != EventKind::member_dead) continue;
    if (r.event.name == peer_name(slow)) ++o.slow_declared_dead;
    else ++o.healthy_declared_dead;
  }
  o.slow_health = net.engine(slow).local_health();
  return o;
}

}  // namespace

TEST_CASE("lifeguard: a slow peer gets healthy peers declared dead without it, never with it") {
  const Micros lag = 5 * kSeconds;
  for (std::uint64_t seed : {11u, 12u, 13u}) {
    Outcome plain = run_slow_peer(seed, false, lag);
    Outcome guarded = run_slow_peer(seed, true, lag);
    std::printf("[measure] seed %llu, one peer lagging %.0f s, 20 peers, 90 s: healthy peers "
                "declared dead: plain SWIM %zu, Lifeguard %zu (slow peer's health %d)\n",
                static_cast<unsigned long long>(seed), static_cast<double>(lag) / kSeconds,
                plain.healthy_declared_dead, guarded.healthy_declared_dead, guarded.slow_health);
    INFO("seed " << seed);
    CHECK(plain.healthy_declared_dead > 0);
    CHECK(guarded.healthy_declared_dead == 0);
    CHECK(guarded.slow_health > 0);
  }
}
