// End to end: membership -> placement::place -> Reconciler -> simulated containers. Failover,
// duplicates and availability, measured by the simulator.
#include <catch2/catch.hpp>

#include "run_fixture.hpp"

using namespace shoal::sim;
using namespace shoal::sim::testing;

namespace {

std::string cluster(const std::string& name, int peers, const std::string& duration, int replicas) {
  return "name = \"" + name + "\"\nseed = 21\npeers = " + std::to_string(peers) +
         "\nduration = \"" + duration + "\"\njoin_spread = \"2s\"\nstart_delay = \"500ms\"\n"
         "[network]\nlatency = [\"1ms\", \"5ms\"]\nloss = 0.01\n"
         "[[service]]\nname = \"web\"\nreplicas = " + std::to_string(replicas) +
         "\ncpu = 0.1\nmemory = \"64MiB\"\n";
}

}  // namespace

TEST_CASE("a killed peer's instances reappear elsewhere") {
  auto x = experiment(cluster("failover", 10, "90s", 30) + "[[event]]\nat = \"30s\"\nkill = 2\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["instances"]["desired"] == 30);
  CHECK(r.report["instances"]["running"] == 30);
  CHECK(r.report["failover_incomplete"] == 0);
  REQUIRE(r.report["failover"]["count"].get<int>() >= 1);  // 30 instances on 10 peers
  // Failover needs the death known to the new owner (a few probe periods) plus the start delay.
  CHECK(r.report["failover"]["p50_s"].get<double>() > 0.5);
  CHECK(r.report["failover"]["max_s"].get<double>() < 40.0);
  CHECK(r.report["duplicates_final"] == 0);
  CHECK(r.report["unavailable_instance_seconds"].get<double>() > 0);
  // Before the kill every instance ran; right after it some did not.
  bool dip = false;
  for (const auto& s : r.series)
    if (s.t_s > 30 && s.t_s < 45 && s.running && *s.running < 30) dip = true;
  CHECK(dip);
  CHECK(r.series.back().running == std::optional<std::size_t>(30));
}

TEST_CASE("a partition runs instances on both sides, then stops the duplicates") {
  auto x = experiment(cluster("split", 10, "150s", 20) +
                      "[[event]]\nat = \"20s\"\npartition = [0.5]\nfor = \"30s\"\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  std::size_t dup_during = 0;
  for (const auto& s : r.series)
    if (s.t_s > 35 && s.t_s < 50 && s.duplicated) dup_during = std::max(dup_during, *s.duplicated);
  CHECK(dup_during > 0);  // at-least-once: both halves run the other half's instances
  CHECK(r.report["duplicates_max"].get<std::size_t>() >= dup_during);
  CHECK(r.report["duplicates_final"] == 0);
  CHECK(r.report["instances"]["running"] == 20);
}

TEST_CASE("a frozen peer keeps its instances running and nothing is unavailable") {
  auto x = experiment(cluster("stop", 8, "80s", 16) + "[[event]]\nat = \"20s\"\nstop = 1\nfor = \"20s\"\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["duplicates_final"] == 0);
  CHECK(r.report["instances"]["running"] == 16);
  CHECK(r.report["unavailable_instance_seconds"] == 0.0);  // the frozen host's copies never stopped
  // The others take it for dead and start its instances elsewhere while it is frozen, measured
  // as a crash's (stop -> dead everywhere, stop -> every instance it ran alone started elsewhere).
  const auto& st = r.report["stopped"];
  REQUIRE(st["detection"]["count"] == 1);
  REQUIRE(st["failover"]["count"] == 1);  // 16 instances on 8 peers: it ran some
  CHECK(st["failover"]["incomplete"] == 0);
  CHECK(st["detection"]["p50_s"].get<double>() > 1.0);
  CHECK(st["detection"]["p50_s"].get<double>() < 20.0);
  CHECK(st["failover"]["p50_s"].get<double>() > 1.0);  // a death, then the simulated start
  CHECK(st["failover"]["p50_s"].get<double>() < 20.0);
  CHECK(r.report["duplicates_max"].get<int>() >= 1);  // its frozen copies beside the new ones
}

TEST_CASE("crashing containers are restarted by the reconcile step") {
  auto text = cluster("crashy", 6, "120s", 10);
  text.insert(text.find("[network]"), "crash_rate = 60.0\n");  // a top-level key
  auto x = experiment(text);
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["instance_crashes"].get<int>() > 5);  // ~1 per instance-minute
  CHECK(r.report["unavailable_instance_seconds"].get<double>() > 0);
  std::size_t best_late = 0;
  for (const auto& s : r.series)
    if (s.t_s > 90 && s.running) best_late = std::max(best_late, *s.running);
  CHECK(best_late == 10);  // restarted, not lost
  CHECK(r.report["duplicates_final"] == 0);
}

TEST_CASE("runs with services are deterministic too") {
  auto text = cluster("det-services", 8, "70s", 16);
  text.insert(text.find("[network]"), "crash_rate = 20.0\nclock_skew = \"200ms\"\n");
  text += "[[event]]\nat = \"25s\"\nkill = 1\n[[event]]\nat = \"35s\"\npartition = [0.4]\nfor = \"10s\"\n";
  auto x = experiment(text);
  auto a = run(x), b = run(x);
  a.report.erase("wall_s");
  b.report.erase("wall_s");
  CHECK(a.report.dump() == b.report.dump());
  REQUIRE(a.series.size() == b.series.size());
  for (std::size_t i = 0; i < a.series.size(); ++i) {
    CHECK(a.series[i].running == b.series[i].running);
    CHECK(a.series[i].duplicated == b.series[i].duplicated);
  }
}
