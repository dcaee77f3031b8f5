// A health check that hangs (bounded only by its long timeout) must not stop the peer's
// orphan heartbeat: the instances of a live peer never stop themselves as orphans.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>
#include <fstream>
#include <thread>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::instance_alive;
using shoal::test::wait_until;
using namespace std::chrono_literals;

TEST_CASE("a hung health probe does not make a live peer's instances stop as orphans",
          "[serial][integration][health]") {
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

TEST_CASE("a hung health probe does not hold up another service's failing check and restarts",
          "[serial][integration][health]") {
  // `hang`'s probe hangs 7 s of every 8 (from 8 s after its start); `sick` fails its check at
  // once, every time, and is restarted 500 ms after each end. Probed one after another (or
  // inside the step), sick's restarts would stall for the whole 7 s; off the step, they go on.
  Cluster c(1, "gossip = { profile = \"fast\", join_grace = \"1s\" }\n");
  std::ofstream(c.peer(0).dir + "/services/hang.toml")
      << "[service.hang]\ncommand = [\"sleep\", \"1000\"]\n"
      << "health = { exec = [\"sleep\", \"100\"], interval = \"8s\", timeout = \"7s\", "
         "retries = 100 }\n";
  std::ofstream(c.peer(0).dir + "/services/sick.toml")
      << "[service.sick]\ncommand = [\"sleep\", \"1000\"]\n"
      << "health = { exec = [\"false\"], interval = \"500ms\", timeout = \"400ms\", retries = 1 }\n"
      << "restart = { condition = \"any\", delay = \"500ms\", max_delay = \"500ms\" }\n";
  c.start(0);
  // Each start of sick: its record's start time (records are polled; each copy lives at least
  // its 500 ms to the first probe; ids are reused).
  std::set<std::int64_t> starts;
  auto sample = [&] {
    for (const auto& r : c.instances(0))
      if (r.labels.service == "sick") starts.insert(r.started_at);
  };
  REQUIRE(wait_until(30s, [&] {
    sample();
    return !starts.empty();
  }));
  // 18 s from sick's first start: hang's first probe hangs from about 8 s to 15 s.
  const auto end = std::chrono::steady_clock::now() + 18s;
  while (std::chrono::steady_clock::now() < end) {
    sample();
    std::this_thread::sleep_for(50ms);
  }
  const std::vector<std::int64_t> at(starts.begin(), starts.end());
  std::int64_t widest = 0;
  for (std::size_t i = 1; i < at.size(); ++i) widest = std::max(widest, at[i] - at[i - 1]);
  INFO("sick started " << at.size() << " times in 18 s; widest gap " << widest << " ms");
  CHECK(at.size() >= 6);
  CHECK(widest < 5000);
}
