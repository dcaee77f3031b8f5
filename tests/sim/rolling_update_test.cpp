// A rolling update in the simulator, with every peer deciding on its own from gossip (the real
// engine, placement and Reconciler): sim/experiments/rolling_update.toml (20 replicas over 100
// peers, parallelism 5) never runs fewer than 15 replicas, ends with every replica on the new
// version, and waits min_healthy_time between waves.
#include <catch2/catch.hpp>

#include <filesystem>

#include "sim/experiment.hpp"
#include "tests/sim/run_fixture.hpp"

using namespace shoal::sim;

TEST_CASE("sim: rolling update keeps replicas - parallelism running, ends on the new version",
          "[sim][heavy]") {
  const auto path = std::filesystem::path(SHOAL_SOURCE_DIR) / "sim" / "experiments" / "rolling_update.toml";
  auto loaded = load_experiment(path.string());
  REQUIRE(std::holds_alternative<Experiment>(loaded));
  const RunResult r = testing::run(std::get<Experiment>(loaded));
  INFO(r.report.dump(1));
  REQUIRE(r.report.contains("rollouts"));
  const auto& ro = r.report["rollouts"].at(0);
  CHECK(ro["service"] == "web");
  CHECK(ro["min_available"].get<int>() >= 20 - 5);
  CHECK(ro["min_available"].get<int>() < 20);  // it did replace (stop-first)
  CHECK(ro["old_copies_left"] == 0);
  REQUIRE(ro["duration_s"].is_number());
  // 4 waves of 5, each at least start_delay (1 s) + min_healthy_time (5 s) before the next.
  CHECK(ro["duration_s"].get<double>() >= 3 * 6.0);
  CHECK(ro["duration_s"].get<double>() <= 120.0);
  CHECK(r.report["instances"]["running"] == 20);
}

TEST_CASE("sim: a start-first rolling update never runs fewer than replicas", "[sim]") {
  const auto path = std::filesystem::path(SHOAL_SOURCE_DIR) / "sim" / "experiments" /
                    "rolling_update_start_first.toml";
  auto loaded = load_experiment(path.string());
  REQUIRE(std::holds_alternative<Experiment>(loaded));
  const RunResult r = testing::run(std::get<Experiment>(loaded));
  INFO(r.report.dump(1));
  const auto& ro = r.report["rollouts"].at(0);
  WARN("start-first: min_available " << ro["min_available"] << ", duration_s " << ro["duration_s"]);
  CHECK(ro["min_available"].get<int>() == 8);  // make-before-break: never a dip
  CHECK(ro["old_copies_left"] == 0);
  REQUIRE(ro["duration_s"].is_number());
  // 4 waves of 2, each at least start_delay (1 s) + min_healthy_time (3 s) before the next.
  CHECK(ro["duration_s"].get<double>() >= 3 * 4.0);
  CHECK(r.report["instances"]["running"] == 8);
}

TEST_CASE("sim: an update event names a known service", "[sim]") {
  auto r = parse_experiment_text(
      "name = \"x\"\npeers = 3\n[[service]]\nname = \"web\"\n[[event]]\nat = \"10s\"\nupdate = \"db\"\n",
      "x.toml");
  REQUIRE(std::holds_alternative<ExperimentError>(r));
  CHECK(std::get<ExperimentError>(r).message.find("no [[service]] named `db`") != std::string::npos);
}

TEST_CASE("sim: a version that never turns healthy is failed after healthy_deadline, stuck at parallelism",
          "[sim][heavy]") {
  const auto path = std::filesystem::path(SHOAL_SOURCE_DIR) / "sim" / "experiments" /
                    "rolling_update_broken.toml";
  auto loaded = load_experiment(path.string());
  REQUIRE(std::holds_alternative<Experiment>(loaded));
  const RunResult r = testing::run(std::get<Experiment>(loaded));
  INFO(r.report.dump(1));
  const auto& ro = r.report["rollouts"].at(0);
  CHECK(ro["broken"] == true);
  REQUIRE(ro["failed_s"].is_number());
  // The deadline (30 s) runs from each copy's first start at the new hash (about 1 s in).
  CHECK(ro["failed_s"].get<double>() >= 30.0);
  CHECK(ro["failed_s"].get<double>() <= 35.0);
  CHECK(ro["duration_s"].is_null());                  // never done
  CHECK(ro["new_version_instances_end"] == 5);        // stuck at parallelism
  CHECK(ro["min_available"].get<int>() >= 20 - 5);
  CHECK(r.report["instances"]["running"] == 15);
}

// [heavy]: 0.8 s of CPU in the Release build, but 100 peers for 50 s would take some 15-20 s
// under the sanitizers (as the other 100-peer experiments); the logic runs there anyway in
// tests/node/peer/auto_revert_test.cpp.
TEST_CASE("sim: a version that never turns healthy is reverted by every peer, none of it left",
          "[sim][heavy]") {
  const auto path = std::filesystem::path(SHOAL_SOURCE_DIR) / "sim" / "experiments" /
                    "rolling_update_revert.toml";
  auto loaded = load_experiment(path.string());
  REQUIRE(std::holds_alternative<Experiment>(loaded));
  const RunResult r = testing::run(std::get<Experiment>(loaded));
  INFO(r.report.dump(1));
  const auto& ro = r.report["rollouts"].at(0);
  CHECK(ro["broken"] == true);
  REQUIRE(ro["failed_s"].is_number());
  // healthy_deadline (10 s) from each copy's first start at the new hash (about 1 s in).
  CHECK(ro["failed_s"].get<double>() >= 10.0);
  CHECK(ro["failed_s"].get<double>() <= 15.0);
  // Every replica runs the last healthy version again within seconds of the verdict.
  REQUIRE(ro["reverted_s"].is_number());
  CHECK(ro["reverted_s"].get<double>() - ro["failed_s"].get<double>() <= 5.0);
  CHECK(ro["new_version_instances_end"] == 0);
  CHECK(ro["min_available"].get<int>() >= 20 - 5);
  CHECK(r.report["instances"]["running"] == 20);
  CHECK(r.report["instances"]["duplicated"] == 0);
}
