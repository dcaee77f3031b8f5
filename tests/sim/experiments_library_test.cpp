// Every experiment shipped in sim/experiments parses (the alibaba one reads the trace beside the
// repository, ../shared/data, resolved relative to the experiment file).
#include <catch2/catch.hpp>

#include <filesystem>

#include "sim/experiment.hpp"

using namespace shoal::sim;

TEST_CASE("the shipped experiments parse") {
  // The source tree as CMake knows it (__FILE__ may be relative to the build directory, and
  // ctest runs this from another one).
  const auto dir = std::filesystem::path(SHOAL_SOURCE_DIR) / "sim" / "experiments";
  REQUIRE(std::filesystem::is_directory(dir));
  int n = 0;
  for (const char* name : {"failover", "slow_peer_lifeguard_on", "slow_peer_lifeguard_off",
                           "partition_heal", "churn", "rolling_restart", "large_10k", "bench_1k",
                           "alibaba"}) {
    const auto path = (dir / (std::string(name) + ".toml")).string();
    if (std::string(name) == "alibaba" &&
        !std::filesystem::exists(dir / ".." / ".." / ".." / "shared" / "data")) {
      WARN("no ../shared/data beside this checkout (a git worktree?): alibaba.toml not checked");
      ++n;
      continue;
    }
    auto r = load_experiment(path);
    INFO(path << ": " << (std::holds_alternative<ExperimentError>(r) ? std::get<ExperimentError>(r).message : "ok"));
    REQUIRE(std::holds_alternative<Experiment>(r));
    const auto& x = std::get<Experiment>(r);
    CHECK(x.name == name);
    ++n;
    if (x.name == "large_10k") CHECK(x.nodes.size() == 10000);
    if (x.name == "alibaba") {
      CHECK(x.nodes.size() == 1523);  // the trace's machines
      CHECK(x.nodes[0].name == "openb-node-0000");
      CHECK(x.nodes[0].cpu_milli == 32000);
    }
  }
  CHECK(n == 9);
}
