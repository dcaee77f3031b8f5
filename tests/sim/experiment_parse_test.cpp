// The experiment TOML contract: keys, units and positioned errors.
#include <catch2/catch.hpp>

#include "sim/experiment.hpp"

using namespace shoal::sim;

namespace {

std::string error_of(const std::string& text) {
  auto r = parse_experiment_text(text, "x.toml");
  auto* e = std::get_if<ExperimentError>(&r);
  return e ? e->message : std::string("(parsed)");
}

}  // namespace

TEST_CASE("the issue's example experiment parses with every contract key") {
  const char* text = R"(
name = "failover"
seed = 7
peers = 200
duration = "300s"
profile = "lan"
lifeguard = true
[network]
latency = ["1ms", "5ms"]
loss = 0.01
[[service]]
name = "web"
replicas = 50
cpu = 0.1
memory = "64MiB"
[[event]]
at = "60s"
kill = 3
[[event]]
at = "120s"
stop = 1
for = "30s"
[[event]]
at = "180s"
partition = [0.5]
for = "40s"
[[event]]
at = "240s"
slow = 1
delay = "2s"
for = "60s"
[[event]]
at = "250s"
join = 5
)";
  auto r = parse_experiment_text(text, "x.toml");
  REQUIRE(std::holds_alternative<Experiment>(r));
  const auto& x = std::get<Experiment>(r);
  CHECK(x.name == "failover");
  CHECK(x.seed == 7);
  CHECK(x.nodes.size() == 200);
  CHECK(x.duration == 300'000'000);
  CHECK(x.latency_min == 1000);
  CHECK(x.latency_max == 5000);
  CHECK(x.loss == Approx(0.01));
  REQUIRE(x.services.size() == 1);
  CHECK(x.services[0].cpu_milli == 100);
  CHECK(x.services[0].memory_mib == 64);
  REQUIRE(x.events.size() == 5);
  CHECK(x.events[0].kind == FaultEvent::Kind::kill);
  CHECK(x.events[0].count == 3);
  CHECK(x.events[1].kind == FaultEvent::Kind::stop);
  CHECK(x.events[1].length == 30'000'000);
  CHECK(x.events[2].fractions == std::vector<double>{0.5});
  CHECK(x.events[3].delay == 2'000'000);
  CHECK(x.events[4].kind == FaultEvent::Kind::join);
  CHECK(x.events[4].end() == 250'000'000);
}

TEST_CASE("durations combine units") {
  CHECK(parse_sim_duration("1m30s") == 90'000'000);
  CHECK(parse_sim_duration("300s") == 300'000'000);
  CHECK(parse_sim_duration("250us") == 250);
  CHECK_FALSE(parse_sim_duration("10"));
  CHECK_FALSE(parse_sim_duration("fast"));
}

TEST_CASE("experiment errors name file, line and column") {
  CHECK(error_of("name = \"a\"\npeers = 3\nduration = \"ten\"\n") ==
        "x.toml:3:12: `duration`: bad duration `ten` (e.g. \"300s\", \"1m30s\", \"5ms\")");
  CHECK(error_of("name = \"a\"\npeers = 3\nbogus = 1\n") == "x.toml:3:9: unknown key `bogus` (top level)");
  CHECK(error_of("name = \"a\"\n") .find("x.toml:1:1: missing `peers`") == 0);
  CHECK(error_of("name = \"a\"\npeers = 3\n[[event]]\nat = \"1s\"\nstop = 1\n")
            .find("x.toml:3:1: this [[event]] needs `for`") == 0);
  CHECK(error_of("name = \"a\"\npeers = 3\n[[event]]\nat = \"1s\"\nkill = 1\njoin = 2\n")
            .find("needs exactly one of") != std::string::npos);
  CHECK(error_of("name = \"a\"\npeers = 3\n[[event]]\nat = \"1s\"\npartition = [0.6, 0.5]\nfor = \"1s\"\n")
            .find("x.toml:5:13: `partition` fractions must add up") == 0);
  CHECK(error_of("name = \"a\"\npeers = 3\n[network]\nloss = 1.5\n") == "x.toml:4:8: `loss` must be in [0, 1)");
  CHECK(error_of("name = \"a\"\npeers = 3\n[[service]]\nname = \"Web\"\n").find("x.toml:4:8: service name") == 0);
  CHECK(error_of("name = = 1").find("x.toml:1:") == 0);  // a TOML syntax error, positioned
}

TEST_CASE("nodes resolve relative to the experiment file") {
  auto r = parse_experiment_text("name = \"a\"\nnodes = \"no-such.csv\"\n", "/tmp/dir/x.toml");
  REQUIRE(std::holds_alternative<ExperimentError>(r));
  CHECK(std::get<ExperimentError>(r).message.find("/tmp/dir/no-such.csv") != std::string::npos);
}
