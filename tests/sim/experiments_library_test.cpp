// Every experiment shipped in sim/experiments parses (the alibaba one reads the trace beside the
// repository, ../shared/data, resolved relative to the experiment file).
#include <catch2/catch.hpp>

#include <filesystem>

#include "sim/experiment.hpp"
#include "tests/sim/experiments_dir.hpp"
#include "tests/skip.hpp"

using namespace shoal::sim;
using shoal::sim::test::experiments_dir;

namespace {

Experiment load_ok(const std::string& name) {
  const auto path = (experiments_dir() / (name + ".toml")).string();
  auto r = load_experiment(path);
  INFO(path << ": "
            << (std::holds_alternative<ExperimentError>(r) ? std::get<ExperimentError>(r).message
                                                           : "ok"));
  REQUIRE(std::holds_alternative<Experiment>(r));
  return std::get<Experiment>(r);
}

}  // namespace

TEST_CASE("the shipped experiments parse") {
  REQUIRE(std::filesystem::is_directory(experiments_dir()));
  for (const char* name : {"failover", "slow_peer_lifeguard_on", "slow_peer_lifeguard_off",
                           "partition_heal", "churn", "rolling_restart", "large_10k", "bench_1k",
                           "rolling_update", "rolling_update_1k", "rolling_update_broken",
                           "rolling_update_revert", "rolling_update_start_first"}) {
    const Experiment x = load_ok(name);
    CHECK(x.name == name);
    if (x.name == "large_10k") CHECK(x.nodes.size() == 10000);
  }
}

TEST_CASE("the alibaba experiment reads the trace beside the repository") {
  if (!std::filesystem::exists(experiments_dir() / ".." / ".." / ".." / "shared" / "data")) {
    SHOAL_SKIP("no ../shared/data beside this checkout (a git worktree?)", true);
  }
  const Experiment x = load_ok("alibaba");
  CHECK(x.name == "alibaba");
  CHECK(x.nodes.size() == 1523);  // the trace's machines
  CHECK(x.nodes[0].name == "openb-node-0000");
  CHECK(x.nodes[0].cpu_milli == 32000);
}
