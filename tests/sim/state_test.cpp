// Desired state and statuses travel through the engines' replicated state: one peer writes the
// specs, every other peer learns them by gossip; statuses likewise; dissemination is measured.
#include <catch2/catch.hpp>

#include "run_fixture.hpp"

using namespace shoal::sim;
using namespace shoal::sim::testing;

namespace {

std::string cluster(const std::string& name, int peers, const std::string& duration) {
  return "name = \"" + name + "\"\nseed = 33\npeers = " + std::to_string(peers) +
         "\nduration = \"" + duration + "\"\njoin_spread = \"2s\"\nstart_delay = \"500ms\"\n"
         "specs_at = \"12s\"\n"
         "[network]\nlatency = [\"1ms\", \"5ms\"]\nloss = 0.01\n"
         "[[service]]\nname = \"web\"\nreplicas = 20\ncpu = 0.1\nmemory = \"64MiB\"\n"
         "[[service]]\nname = \"db\"\nreplicas = 4\ncpu = 0.5\nmemory = \"512MiB\"\n";
}

}  // namespace

TEST_CASE("specs written by one peer reach every peer, and each write's dissemination is measured") {
  auto x = experiment(cluster("state", 12, "60s"));
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["state"]["spec_writer"].is_string());
  CHECK(r.report["dissemination_specs"]["count"] == 2);  // spec/db and spec/web
  CHECK(r.report["state"]["status_writes"].get<int>() >= 12);  // every peer reported its instances
  CHECK(r.report["dissemination"]["count"].get<int>() ==
        2 + r.report["state"]["status_writes"].get<int>());
  CHECK(r.report["dissemination"]["incomplete"] == 0);
  CHECK(r.report["dissemination"]["p50_s"].get<double>() > 0);
  CHECK(r.report["dissemination"]["p99_s"].get<double>() < 30);
  CHECK(r.report["instances"]["running"] == 24);  // placed from specs learnt through gossip
  CHECK(r.report["duplicates_final"] == 0);
  CHECK(r.report["final"]["views_equal"] == true);
  CHECK(r.report["final"]["view_hash"].get<std::string>().size() == 16);  // the engines' hash
}

TEST_CASE("a spec write cannot cross a partition: it completes only after the heal") {
  auto text = cluster("cut", 10, "90s");
  text += "[[event]]\nat = \"8s\"\npartition = [0.5]\nfor = \"30s\"\n";  // cut 8 s .. 38 s
  auto r = run(experiment(text));
  INFO(r.report.dump(2));
  REQUIRE(r.report["dissemination_specs"]["count"] == 2);
  // Written at 12 s on one side; the other side can have it only from 38 s on.
  CHECK(r.report["dissemination_specs"]["p50_s"].get<double>() >= 38.0 - 12.0);
  CHECK(r.report["instances"]["running"] == 24);
  CHECK(r.report["duplicates_final"] == 0);
  CHECK(r.report["final"]["views_equal"] == true);
}

TEST_CASE("a peer restarted without its disk learns the desired state again") {
  auto text = cluster("amnesia", 8, "90s");
  text += "[[event]]\nat = \"30s\"\nrestart = 3\nfor = \"5s\"\nevery = \"2s\"\ndisk = false\n";
  auto r = run(experiment(text));
  INFO(r.report.dump(2));
  CHECK(r.report["crashes"] == 3);
  CHECK(r.report["instances"]["running"] == 24);
  CHECK(r.report["duplicates_final"] == 0);
  CHECK(r.report["final"]["views_equal"] == true);
  CHECK(r.report["dissemination"]["incomplete"] == 0);
}

TEST_CASE("a membership-only run still writes one key, so dissemination is measured") {
  auto x = experiment(
      "name = \"bare\"\nseed = 4\npeers = 10\nduration = \"40s\"\njoin_spread = \"2s\"\n"
      "[network]\nlatency = [\"1ms\", \"5ms\"]\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  CHECK(r.report["dissemination"]["count"] == 1);
  CHECK(r.report["dissemination"]["incomplete"] == 0);
  CHECK(r.report["dissemination"]["p50_s"].get<double>() > 0);
  CHECK(r.report["dissemination_specs"]["count"] == 0);
  CHECK(r.report["state"]["probe_writes"] == 1);
}

TEST_CASE("first detection: the first suspicion comes before everyone has the peer dead") {
  auto x = experiment(
      "name = \"first\"\nseed = 9\npeers = 16\nduration = \"60s\"\njoin_spread = \"2s\"\n"
      "[network]\nlatency = [\"1ms\", \"5ms\"]\n[[event]]\nat = \"20s\"\nkill = 2\n");
  auto r = run(x);
  INFO(r.report.dump(2));
  REQUIRE(r.report["first_detection"]["count"] == 2);
  REQUIRE(r.report["detection"]["count"] == 2);
  CHECK(r.report["first_detection"]["max_s"].get<double>() > 0);
  CHECK(r.report["first_detection"]["max_s"].get<double>() <
        r.report["detection"]["p50_s"].get<double>());  // suspicion precedes the verdict
}
