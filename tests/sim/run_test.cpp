// Experiment runs with asserted outcomes, one per fault type, and determinism.
#include <catch2/catch.hpp>

#include "run_fixture.hpp"
#include "sim/report.hpp"

using namespace shoal::sim;
using namespace shoal::sim::testing;

namespace {

const std::string kBase = R"(
seed = 42
profile = "lan"
[network]
latency = ["1ms", "5ms"]
loss = 0.01
)";

std::string head(const std::string& name, int peers, const std::string& duration, bool lifeguard = true) {
  return "name = \"" + name + "\"\npeers = " + std::to_string(peers) + "\nduration = \"" + duration +
         "\"\nlifeguard = " + (lifeguard ? "true" : "false") + "\njoin_spread = \"2s\"\n" + kBase;
}

}  // namespace

TEST_CASE("same seed gives the same report, byte for byte, except wall_s") {
  const std::string text = head("det", 12, "90s") + R"(
duplicate = 0.02
[[event]]
at = "15s"
kill = 1
[[event]]
at = "20s"
stop = 1
for = "10s"
[[event]]
at = "35s"
partition = [0.5]
for = "10s"
[[event]]
at = "50s"
slow = 1
delay = "1s"
for = "10s"
[[event]]
at = "55s"
join = 2
[[event]]
at = "60s"
restart = 2
every = "1s"
for = "3s"
)";
  auto x = experiment(text);
  auto a = run(x), b = run(x);
  a.report.erase("wall_s");
  b.report.erase("wall_s");
  CHECK(a.report.dump() == b.report.dump());
  CHECK(series_csv(a.series) == series_csv(b.series));
  x.seed = 43;
  auto c = run(x);
  c.report.erase("wall_s");
  CHECK(c.report["events"] != a.report["events"]);  // another seed is another run
}

TEST_CASE("a killed peer is detected by every live peer") {
  auto x = experiment(head("kill", 15, "60s") + "[[event]]\nat = \"20s\"\nkill = 2\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["crashes"] == 2);
  CHECK(r.report["detection"]["count"] == 2);
  CHECK(r.report["undetected"] == 0);
  // lan: probe 1 s, suspicion >= 4 * log10(15) s; no faster than a probe, no slower than ~40 s.
  CHECK(r.report["detection"]["p50_s"].get<double>() > 1.0);
  CHECK(r.report["detection"]["max_s"].get<double>() < 40.0);
  CHECK(r.report["false_positives"] == 0);
  CHECK(r.report["final"]["live_peers"] == 13);
  CHECK(r.report["final"]["members_alive_max"] == 13);
  CHECK(r.report["final"]["views_equal"] == true);
}

TEST_CASE("a partition heals to one membership") {
  auto x = experiment(head("partition", 16, "150s") +
                      "[[event]]\nat = \"15s\"\npartition = [0.5]\nfor = \"30s\"\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  // While cut, each half saw the other dead: the alive minimum dropped to about half.
  std::size_t min_during = 1000;
  for (const auto& s : r.series)
    if (s.t_s > 30 && s.t_s < 45) min_during = std::min(min_during, s.alive_min);
  CHECK(min_during <= 9);
  CHECK(r.report["false_positives"] == 0);  // deaths across the cut are not false positives
  CHECK_FALSE(r.report["convergence_s"].is_null());
  CHECK(r.report["final"]["views_equal"] == true);
  CHECK(r.report["final"]["members_alive_min"] == 16);
}

TEST_CASE("a one-way partition also heals") {
  auto x = experiment(head("oneway", 10, "150s") +
                      "[[event]]\nat = \"10s\"\npartition = [0.3]\noneway = true\nfor = \"30s\"\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["final"]["views_equal"] == true);
  CHECK(r.report["final"]["members_alive_min"] == 10);
}

TEST_CASE("a frozen peer is declared dead and rejoins after it resumes") {
  auto x = experiment(head("stop", 12, "120s") + "[[event]]\nat = \"15s\"\nstop = 1\nfor = \"40s\"\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["stopped"]["count"] == 1);
  CHECK(r.report["stopped"]["declared_dead"] == 1);
  CHECK(r.report["stopped"]["rejoined"] == 1);
  CHECK(r.report["final"]["views_equal"] == true);
  CHECK(r.report["final"]["members_alive_min"] == 12);
}

TEST_CASE("a slow peer with Lifeguard on causes no false positives") {
  auto x = experiment(head("slow", 20, "100s", true) +
                      "[[event]]\nat = \"20s\"\nslow = 1\ndelay = \"2s\"\nfor = \"50s\"\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["false_positives"] == 0);
  CHECK(r.report["final"]["views_equal"] == true);
}

TEST_CASE("heavy loss still converges") {
  auto text = head("loss", 12, "90s");
  text.replace(text.find("loss = 0.01"), 11, "loss = 0.2");
  auto x = experiment(text + "[[event]]\nat = \"20s\"\nkill = 1\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["detection"]["count"] == 1);
  CHECK_FALSE(r.report["convergence_s"].is_null());
  CHECK(r.report["final"]["views_equal"] == true);
  CHECK(r.report["final"]["members_alive_min"] == 11);
}

TEST_CASE("joins grow the membership") {
  auto x = experiment(head("join", 8, "60s") + "[[event]]\nat = \"20s\"\njoin = 5\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["peers_joined"] == 5);
  CHECK(r.report["final"]["live_peers"] == 13);
  CHECK(r.report["final"]["members_alive_min"] == 13);
  CHECK(r.series.back().alive_min == 13);
  CHECK(r.series[10].alive_min == 8);  // t = 11 s, before the join
}

TEST_CASE("restarts with and without disk rejoin") {
  auto x = experiment(head("restart", 10, "90s") +
                      "[[event]]\nat = \"10s\"\nrestart = \"all\"\nevery = \"3s\"\nfor = \"2s\"\n"
                      "[[event]]\nat = \"50s\"\nrestart = 2\nfor = \"20s\"\ndisk = false\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["crashes"] == 12);
  CHECK(r.report["final"]["views_equal"] == true);
  CHECK(r.report["final"]["members_alive_min"] == 10);
}

TEST_CASE("the CSV and SVG outputs carry the series") {
  auto x = experiment(head("out", 5, "10s"));
  auto r = run(x);
  const auto csv = series_csv(r.series);
  CHECK(csv.rfind("t_s,live_peers,members_alive_min,members_alive_avg,", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 11);  // header + 10 samples
  CHECK(csv.find("\n10.000,5,5,5.00,") != std::string::npos);
  const auto svg = series_svg(r.series, "out <test>");
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.find("out &lt;test&gt;") != std::string::npos);
  CHECK(svg.find("<polyline") != std::string::npos);
  CHECK(output_stem("r/x.json") == "r/x");
}

TEST_CASE("start = \"formed\": whole views from the start, no join storm, faults still found",
          "[heavy]") {
  auto text = [](bool formed) {
    return std::string("name = \"formed\"\npeers = 60\nduration = \"60s\"\n") +
           (formed ? "start = \"formed\"\n" : "join_spread = \"2s\"\n") + kBase +
           "[[service]]\nname = \"web\"\nreplicas = 30\ncpu = 0.1\nmemory = \"64MiB\"\n"
           "[[event]]\nat = \"30s\"\nkill = 2\n";
  };
  auto formed = run(experiment(text(true)));
  auto joined = run(experiment(text(false)));
  auto again = run(experiment(text(true)));  // deterministic like any run
  for (auto* r : {&formed, &again}) r->report.erase("wall_s");
  CHECK(formed.report.dump() == again.report.dump());
  INFO(formed.report.dump(2));
  REQUIRE(!formed.series.empty());
  CHECK(formed.series.front().alive_min == 60);  // at 1 s every peer sees every peer alive
  CHECK(joined.series.front().alive_min < 60);   // joining takes longer than that
  CHECK(formed.report["peers_joined"] == 0);
  CHECK(formed.report["detection"]["count"] == 2);
  CHECK(formed.report["undetected"] == 0);
  CHECK(formed.report["false_positives"] == 0);
  CHECK(formed.report["final"]["views_equal"] == true);
  CHECK(formed.report["duplicates_final"] == 0);
  CHECK(formed.series.back().desired == 30);
  CHECK(formed.series.back().running == 30);  // the dead peers' instances run elsewhere
}

TEST_CASE("join_grace: a joined peer is ready once synced and up that long, and only then") {
  auto text = [](const std::string& grace) {
    return "name = \"grace\"\npeers = 8\nduration = \"60s\"\njoin_spread = \"2s\"\n" + grace + kBase +
           "[[service]]\nname = \"web\"\nreplicas = 16\ncpu = 0.1\nmemory = \"64MiB\"\n"
           "[[event]]\nat = \"30s\"\njoin = 2\n";
  };
  auto r = run(experiment(text("join_grace = \"10s\"\n")));
  INFO(r.report.dump(2));
  // Every life, the 8 first peers and the 2 joined at 30 s, announced `ready`, each between 10 s
  // after its start and the next once-a-second check.
  CHECK(r.report["ready"]["count"] == 10);
  CHECK(r.report["ready"]["p50_s"].get<double>() >= 10.0);
  CHECK(r.report["ready"]["max_s"].get<double>() <= 12.0);
  CHECK(r.report["duplicates_final"] == 0);
  CHECK(r.series.back().running == 16);
  auto unset = run(experiment(text("")));
  CHECK(unset.report["ready"].is_null());  // ready from the start
}
