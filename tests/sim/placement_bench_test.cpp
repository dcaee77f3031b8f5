// The placement benchmark: its JSON keys, and figures that must hold on a small synthetic run.
#include <catch2/catch.hpp>

#include "sim/placement_bench.hpp"

using namespace shoal::sim;

TEST_CASE("bench: a small synthetic run has every key, for us and each baseline", "[sim][bench]") {
  const auto view = synthetic_view(20, 300, 1);
  REQUIRE(view.peers.size() == 20);
  std::size_t instances = 0;
  for (const auto& s : view.services) instances += static_cast<std::size_t>(s.replicas);
  REQUIRE(instances == 300);

  BenchOptions opt;
  opt.removals = 3;
  opt.adds = 3;
  const auto out = run_bench(view, opt);
  for (const char* key : {"peers", "instances", "placed", "unplaced", "max_over_mean", "max_cpu_utilization",
                          "moved_on_remove_ratio", "moved_on_add_ratio", "compute_ms", "baselines"})
    REQUIRE(out.contains(key));
  REQUIRE(out["peers"] == 20);
  REQUIRE(out["instances"] == 300);
  REQUIRE(out["placed"].get<int>() + out["unplaced"].get<int>() == 300);
  REQUIRE(out["unplaced"] == 0);  // 60% load: everything fits
  REQUIRE(out["moved_on_remove_ratio"].get<double>() >= 1.0);
  REQUIRE(out["moved_on_forget_ratio"].get<double>() >= 0.0);  // the dead peer, forgotten later
  REQUIRE(out["compute_ms_best_of_5"].get<double>() <= out["compute_ms"].get<double>());
  for (const char* b : {"ring", "jump", "rendezvous", "random", "ffd"}) {
    CAPTURE(b);
    REQUIRE(out["baselines"].contains(b));
    for (const char* key : {"placed", "unplaced", "max_over_mean", "max_cpu_utilization", "moved_on_remove_ratio",
                            "moved_on_forget_ratio", "moved_on_add_ratio", "compute_ms"})
      REQUIRE(out["baselines"][b].contains(key));
  }
  // The same seed gives the same view and figures (timings aside).
  const auto again = run_bench(synthetic_view(20, 300, 1), opt);
  REQUIRE(again["placed"] == out["placed"]);
  REQUIRE(again["max_over_mean"] == out["max_over_mean"]);
  REQUIRE(again["moved_on_remove_ratio"] == out["moved_on_remove_ratio"]);
}

TEST_CASE("bench: rows become peers and single-replica services", "[sim][bench]") {
  const auto view = view_from_rows({{"n1", 1000, 1000, "eu-1"}, {"n2", 2000, 2000, ""}},
                                   {{"p", 100, 100}, {"p", 200, 200}, {"q", 300, 300}});
  REQUIRE(view.peers.size() == 2);
  REQUIRE(view.peers[0].zone == "eu-1");
  REQUIRE(view.services.size() == 3);
  REQUIRE(view.services[0].name != view.services[1].name);  // repeated names made unique
  BenchOptions opt;
  opt.removals = 1;
  opt.adds = 1;
  opt.baselines = {"ffd"};
  const auto out = run_bench(view, opt);
  REQUIRE(out["placed"] == 3);
  REQUIRE(out["baselines"]["ffd"]["placed"] == 3);
  REQUIRE_FALSE(out["baselines"].contains("ring"));
}

TEST_CASE("bench: the balance sweep lists each cap", "[sim][bench]") {
  BenchOptions opt;
  opt.removals = 2;
  opt.adds = 2;
  const auto out = balance_sweep(synthetic_view(10, 200, 2), opt, {0, 1.25, 2.0});
  REQUIRE(out["sweep"].size() == 3);
  REQUIRE(out["sweep"][0]["cap"].is_null());
  REQUIRE(out["sweep"][1]["cap"] == 1.25);
  for (const auto& row : out["sweep"]) {
    REQUIRE(row.contains("max_over_mean"));
    REQUIRE(row.contains("moved_on_remove_ratio"));
    REQUIRE(row["placed"] == 200);
  }
  // A tighter cap never balances worse than no cap at all.
  REQUIRE(out["sweep"][1]["max_over_mean"].get<double>() <= out["sweep"][0]["max_over_mean"].get<double>());
}
