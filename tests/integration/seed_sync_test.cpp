// A restarted seed (join = []) that remembers peers in data_dir/peers is not `synced` before it
// has heard from one of them (or solo_after passed): it must not place the cluster's whole
// workload on itself while the others are still coming back (issue 14 item 7).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cluster.hpp"

using shoal::test::agreed_running;
using shoal::test::Cluster;
using shoal::test::live_owners;
using shoal::test::once_each;
using shoal::test::peers_upto;
using shoal::test::read_text;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

TEST_CASE("a restarted seed that knew peers starts nothing before it hears from them",
          "[integration][e2e]") {
  Cluster c(3);
  const auto all = peers_upto(3);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(1).dir + "/services/keep.toml")
      << "[service.keep]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 3\n";
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, all, "keep", 3).has_value(); }));
  REQUIRE(wait_until(5s, [&] {
    return read_text(c.peer(0).dir + "/data/peers").find("127.0.0.1:") != std::string::npos &&
           std::filesystem::exists(c.peer(0).dir + "/data/state");
  }));
  std::this_thread::sleep_for(1500ms);  // past the persist debounce of the last change

  // Every host goes down (agents and instances); p0, everyone's seed, comes back first.
  for (int i : all) c.kill9(i);
  for (int i : all) c.kill_instances(i);
  c.start(0);
  REQUIRE(wait_until(15s, [&] { return c.get(0, "/v1/status").has_value(); }));
  const auto end = std::chrono::steady_clock::now() + 5s;  // well past join_grace (1 s)
  int started = 0, synced = 0;
  while (std::chrono::steady_clock::now() < end) {
    started += !live_owners(c, {0}, "keep").empty();
    auto st = c.get(0, "/v1/status");
    synced += st && (*st)["synced"] == true;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(started == 0);  // before: all 3 instances on p0 within ~2 s
  CHECK(synced == 0);

  c.start(1);
  c.start(2);
  CHECK(wait_until(40s, [&] {
    return agreed_running(c, all, "keep", 3).has_value() &&
           once_each(live_owners(c, all, "keep"), 3);
  }));
}
