// Not run by default (hidden tag): crash-detection times to compare with Serf's measurements.
//   build/bin/gossip_tests "[measure]"
#include <catch2/catch.hpp>

#include <algorithm>

#include "cluster_util.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

TEST_CASE("measure: crash detection time with the lan profile at N = 5, 20, 50", "[.][measure]") {
  for (std::size_t n : {5u, 20u, 50u}) {
    std::vector<double> all;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      SimNet net(seed * 977 + n);
      start_cluster(net, n, lan());
      Micros t = run_until_converged(net, 60 * kSeconds);
      REQUIRE(t > 0);
      Micros crash_at = t + 10 * kSeconds + static_cast<Micros>(seed) * 37 * kMillis;
      net.run_until(crash_at);
      std::size_t victim = 1 + seed % (n - 1);
      net.crash(victim);
      net.run_until(crash_at + 120 * kSeconds);
      for (std::size_t i = 0; i < n; ++i) {
        if (i == victim) continue;
        for (const auto& r : net.events())
          if (r.node == i && r.time >= crash_at && r.event.kind == EventKind::member_dead &&
              r.event.name == peer_name(victim)) {
            all.push_back(static_cast<double>(r.time - crash_at) / kSeconds);
            break;
          }
      }
    }
    REQUIRE(all.size() == 10 * (n - 1));  // every survivor, every seed
    std::sort(all.begin(), all.end());
    std::printf("[measure] crash detection, lan, N=%zu, 10 seeds: p50 %.2f s, p99 %.2f s, "
                "max %.2f s\n",
                n, all[all.size() / 2], all[all.size() * 99 / 100], all.back());
  }
}
