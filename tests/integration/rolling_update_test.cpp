// A rolling update on real peers: 3 peers on loopback, a 4-replica process service with
// update = { parallelism = 1, min_healthy_time = "1s" }. After its env changes, the processes
// (the process driver's records, read on the hosts) never number fewer than 3, every index ends
// on the new spec hash and none on the old one, and the waves wait min_healthy_time: the
// settled flag travels in real status/<peer> values, measured on each owner's clock.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "cluster.hpp"

using shoal::test::agreed_running;
using shoal::test::Cluster;
using shoal::test::instance_alive;
using shoal::test::peers_upto;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

void write_service(Cluster& c, int version, const std::string& order = "stop-first") {
  std::ofstream(c.peer(0).dir + "/services/roll.toml")
      << "[service.roll]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 4\n"
      << "env = { VERSION = \"" << version << "\" }\n"
      << "update = { parallelism = 1, min_healthy_time = \"1s\", order = \"" << order << "\" }\n";
}

// Live processes of `roll` on every peer: index -> spec hashes.
std::map<int, std::set<std::string>> live_roll(Cluster& c) {
  std::map<int, std::set<std::string>> out;
  for (int i : peers_upto(3))
    for (const auto& r : c.instances(i))
      if (r.labels.service == "roll" && instance_alive(r)) out[r.labels.index].insert(r.labels.spec_hash);
  return out;
}

}  // namespace

TEST_CASE("rolling update on 3 real peers: never fewer than replicas - parallelism processes",
          "[integration][e2e]") {
  Cluster c(3);
  REQUIRE(start_all_ready(c));
  write_service(c, 1);
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, peers_upto(3), "roll", 4).has_value(); }));
  std::set<std::string> old_hash;
  REQUIRE(wait_until(5s, [&] {
    auto live = live_roll(c);
    old_hash.clear();
    for (const auto& [idx, hs] : live) old_hash.insert(hs.begin(), hs.end());
    return live.size() == 4 && old_hash.size() == 1;
  }));
  // The old copies are stale for the new version whether they settled or not: no wait here.
  write_service(c, 2);
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t fewest = 4;
  bool done = false;
  while (!done && std::chrono::steady_clock::now() - t0 < 40s) {
    const auto live = live_roll(c);
    fewest = std::min(fewest, live.size());
    done = live.size() == 4;
    for (const auto& [idx, hs] : live)
      done = done && hs.size() == 1 && !old_hash.count(*hs.begin());
    std::this_thread::sleep_for(20ms);
  }
  const auto took = std::chrono::steady_clock::now() - t0;
  INFO("fewest " << fewest << ", took " << std::chrono::duration<double>(took).count() << " s");
  CHECK(done);
  CHECK(fewest >= 3);
  // Three waits of min_healthy_time (1 s) between the four replacements, at least.
  CHECK(took >= 3s);
}

// The same with order = "start-first": every index keeps a live process throughout (the new
// copy starts beside the old one, which stops once the new one runs), and both copies of one
// index run at once at some point.
TEST_CASE("rolling update on 3 real peers with start-first: never fewer than replicas processes",
          "[integration][e2e]") {
  Cluster c(3);
  REQUIRE(start_all_ready(c));
  write_service(c, 1, "start-first");
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, peers_upto(3), "roll", 4).has_value(); }));
  std::set<std::string> old_hash;
  REQUIRE(wait_until(5s, [&] {
    auto live = live_roll(c);
    old_hash.clear();
    for (const auto& [idx, hs] : live) old_hash.insert(hs.begin(), hs.end());
    return live.size() == 4 && old_hash.size() == 1;
  }));
  write_service(c, 2, "start-first");
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t fewest = 4;
  std::size_t most_copies = 0;  // live processes of one index at once
  bool done = false;
  while (!done && std::chrono::steady_clock::now() - t0 < 40s) {
    const auto live = live_roll(c);
    fewest = std::min(fewest, live.size());
    done = live.size() == 4;
    for (const auto& [idx, hs] : live) {
      most_copies = std::max(most_copies, hs.size());
      done = done && hs.size() == 1 && !old_hash.count(*hs.begin());
    }
    std::this_thread::sleep_for(20ms);
  }
  INFO("fewest " << fewest << ", most copies of one index " << most_copies);
  CHECK(done);
  CHECK(fewest == 4);
  CHECK(most_copies == 2);
}
