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
  CHECK(error_of("name = \"a\"\npeers = 3\nstart = \"warm\"\n") ==
        "x.toml:3:9: `start` must be \"join\" or \"formed\" (got `warm`)");
  CHECK(error_of("name = \"a\"\npeers = 3\nstart = \"formed\"\njoin_spread = \"5s\"\n")
            .find("x.toml:3:9: `join_spread` has no meaning with start = \"formed\"") == 0);
}

TEST_CASE("nodes resolve relative to the experiment file") {
  auto r = parse_experiment_text("name = \"a\"\nnodes = \"no-such.csv\"\n", "/tmp/dir/x.toml");
  REQUIRE(std::holds_alternative<ExperimentError>(r));
  CHECK(std::get<ExperimentError>(r).message.find("/tmp/dir/no-such.csv") != std::string::npos);
}

TEST_CASE("profile picks a gossip Config, and the gossip table overrides single timings") {
  auto parse = [](const std::string& text) {
    auto r = parse_experiment_text(text, "x.toml");
    if (auto* e = std::get_if<ExperimentError>(&r)) FAIL(e->message);
    return std::get<Experiment>(std::move(r));
  };
  // Without [gossip] the Config is the profile's, lifeguard applied.
  auto plain = parse("name = \"a\"\npeers = 3\nprofile = \"wan\"\nlifeguard = false\n");
  auto wan = *shoal::gossip::Config::for_profile("wan");
  CHECK(plain.gossip.profile == "wan");
  CHECK(plain.gossip.probe_interval == wan.probe_interval);
  CHECK_FALSE(plain.gossip.lifeguard);
  CHECK(parse("name = \"a\"\npeers = 3\n").gossip.probe_interval ==
        shoal::gossip::Config::for_profile("lan")->probe_interval);

  auto fast = parse(R"(
name = "a"
peers = 5
profile = "fast"
[gossip]
probe_interval = "1200ms"
probe_timeout = "1100ms"
gossip_interval = "50ms"
push_pull_interval = "20s"
suspicion_mult = 2
suspicion_max_mult = 5
indirect_checks = 2
gossip_nodes = 4
retransmit_mult = 3
awareness_max = 1
gossip_to_the_dead = "9s"
stall_threshold = "2s"
stream_ping = false
)");
  const auto& g = fast.gossip;
  CHECK(fast.profile == "fast");
  CHECK(g.profile == "fast");
  CHECK(g.probe_interval == 1'200'000);
  CHECK(g.probe_timeout == 1'100'000);
  CHECK(g.gossip_interval == 50'000);
  CHECK(g.push_pull_interval == 20'000'000);
  CHECK(g.suspicion_mult == 2);
  CHECK(g.suspicion_max_mult == 5);
  CHECK(g.indirect_checks == 2);
  CHECK(g.gossip_nodes == 4);
  CHECK(g.retransmit_mult == 3);
  CHECK(g.awareness_max == 1);
  CHECK(g.gossip_to_the_dead == 9'000'000);
  CHECK(g.stall_threshold == 2'000'000);
  CHECK_FALSE(g.stream_ping);
  // A timing not overridden keeps the profile's value.
  CHECK(g.reconnect_timeout == shoal::gossip::Config::for_profile("fast")->reconnect_timeout);

  // The profile may also be named inside [gossip], as in the peer file.
  auto inner = parse("name = \"a\"\npeers = 3\n[gossip]\nprofile = \"local\"\n");
  CHECK(inner.profile == "local");
  CHECK(inner.gossip.probe_timeout == shoal::gossip::Config::for_profile("local")->probe_timeout);
}

TEST_CASE("gossip table errors name file, line and column") {
  const std::string head = "name = \"a\"\npeers = 3\n[gossip]\n";
  CHECK(error_of(head + "probe_intervall = \"1s\"\n") ==
        "x.toml:4:19: unknown key `probe_intervall` in [gossip]");
  CHECK(error_of(head + "suspicion_mult = 0\n") == "x.toml:4:18: `gossip.suspicion_mult` must be in 1..1000000");
  CHECK(error_of(head + "probe_timeout = \"soon\"\n").find("x.toml:4:17: `gossip.probe_timeout`: bad duration") == 0);
  CHECK(error_of(head + "probe_interval = \"1s\"\nprobe_timeout = \"2s\"\n") ==
        "x.toml:3:1: [gossip]: probe_timeout must be > 0 and <= probe_interval");
  CHECK(error_of(head + "join_grace = \"5s\"\n").find("x.toml:4:14: `join_grace` is a node setting") == 0);
  CHECK(error_of(head + "profile = \"turbo\"\n").find("x.toml:4:11: `gossip.profile` must be one of lan, wan, local, fast") == 0);
  CHECK(error_of("name = \"a\"\npeers = 3\nprofile = \"lan\"\n[gossip]\nprofile = \"wan\"\n")
            .find("x.toml:5:11: `gossip.profile` differs") == 0);
  CHECK(error_of("name = \"a\"\npeers = 3\nprofile = \"turbo\"\n")
            .find("x.toml:3:11: `profile` must be one of lan, wan, local, fast") == 0);
  CHECK(error_of("name = \"a\"\npeers = 3\ngossip = 1\n").find("x.toml:3:10: `gossip` must be a table") == 0);
}
