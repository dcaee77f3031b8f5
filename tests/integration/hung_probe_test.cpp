// A health check that hangs (bounded only by its long timeout) must not stop the peer's
// orphan heartbeat: the instances of a live peer never stop themselves as orphans.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::instance_alive;
using shoal::test::wait_until;
using namespace std::chrono_literals;

TEST_CASE("a hung health probe does not make a live peer's instances stop as orphans",
          "[integration][health]") {
  // Orphan timeout 3 s; every probe hangs for its whole 5 s timeout (a timeout must be below
  // the interval), the first one 6 s after the start.
  Cluster c(1, "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
               "runtime = { orphan_timeout = \"3s\" }\n");
  std::ofstream(c.peer(0).dir + "/services/hang.toml")
      << "[service.hang]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n"
      << "health = { exec = [\"sleep\", \"100\"], interval = \"6s\", timeout = \"5s\", "
         "retries = 100 }\n";
  c.start(0);
  REQUIRE(wait_until(30s, [&] {
    int live = 0;
    for (const auto& r : c.instances(0)) live += instance_alive(r);
    return live == 2;
  }));
  const auto first = c.instances(0);
  // 12 s: the first probe hangs from about 6 s to 11 s, past the orphan timeout.
  for (int k = 0; k < 24; ++k) {
    std::this_thread::sleep_for(500ms);
    for (const auto& r : first) {
      INFO("instance " << r.labels.service << "/" << r.labels.index << " pid " << r.pid
                       << " after " << (k + 1) * 500 << " ms");
      REQUIRE(instance_alive(r));
    }
  }
  CHECK(shoal::test::read_text(c.peer(0).log).find("orphan") == std::string::npos);
}
