// A 30/20 partition longer than the dead-member gossip window heals without a restart.
#include <catch2/catch.hpp>

#include "cluster_util.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

TEST_CASE("partition: 30/20 split past gossip_to_the_dead, each side declares the other dead, "
          "one membership again after the heal") {
  const std::uint64_t seed = 21;
  const std::size_t n = 50;
  SimNet net(seed);
  Config cfg = lan();
  start_cluster(net, n, cfg);
  Micros t = run_until_converged(net, 60 * kSeconds);
  REQUIRE(t > 0);
  std::vector<int> group(n);
  for (std::size_t i = 0; i < n; ++i) group[i] = i < 30 ? 0 : 1;
  const Micros split = t + 1 * kSeconds;
  const Micros duration = cfg.gossip_to_the_dead + 60 * kSeconds;  // at least 90 s
  net.at(split, [&] { net.partition(group); });
  net.run_until(split + duration);
  // Each side holds the other dead. A peer that missed every copy of some death (on the small
  // side 30 of 50 gossip targets are recently dead members, so each copy is likely wasted)
  // learns it from its own probe or its next push-pull: allowed, within one more minute.
  auto split_view = [&] {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        const auto want = group[i] == group[j] ? MemberState::alive : MemberState::dead;
        if (net.state_at(i, peer_name(j)) != want) return false;
      }
    return true;
  };
  while (!split_view() && net.now() < split + duration + 60 * kSeconds)
    net.run_until(net.now() + 100 * kMillis);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      if (group[i] == group[j]) {
        CHECK(net.state_at(i, peer_name(j)) == MemberState::alive);
      } else {
        INFO("seed " << seed << " " << net.describe(i));
        CHECK(net.state_at(i, peer_name(j)) == MemberState::dead);
      }
    }
  std::printf("[measure] 30/20 partition: each side holds the other dead %.1f s after the split\n",
              static_cast<double>(net.now() - split) / kSeconds);
  const Micros heal = net.now();
  net.heal();
  Micros merged = run_until_converged(net, heal + 180 * kSeconds);
  INFO("seed " << seed << "\n" << net.describe(0) << "\n" << net.describe(49));
  REQUIRE(merged > 0);
  std::printf("[measure] 30/20 partition for %.0f s: one membership again %.1f s after the heal\n",
              static_cast<double>(heal - split) / kSeconds,
              static_cast<double>(merged - heal) / kSeconds);
  for (std::size_t i = 0; i < n; ++i) CHECK(net.engine(i).members().size() == n);
}
