// Issue 6, end to end: a peer whose agent is killed (kill -9, its instances keep running) and
// started again adopts its instances (same PIDs) and nothing runs twice at any poll.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"

using shoal::test::agreed_running;
using shoal::test::Cluster;
using shoal::test::instance_alive;
using shoal::test::live_owners;
using shoal::test::once_each;
using shoal::test::peers_upto;
using shoal::test::see_all_alive;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

// index -> pid of the live instance processes of `svc` over all peers (-1 when one runs twice).
std::map<int, std::int64_t> live_pids(Cluster& c, const std::string& svc) {
  std::map<int, std::int64_t> out;
  for (int i = 0; i < c.size(); ++i) {
    for (const auto& r : c.instances(i)) {
      if (r.labels.service != svc || !instance_alive(r)) continue;
      out[r.labels.index] = out.count(r.labels.index) ? -1 : r.pid;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("restart of a peer's agent: it adopts its instances (same PIDs), nothing runs twice",
          "[asan][integration][e2e]") {
  Cluster c(3);
  const auto all = peers_upto(3);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/rs.toml")
      << "[service.rs]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 4\n";
  std::map<int, std::string> placed;
  REQUIRE(wait_until(30s, [&] {
    auto m = agreed_running(c, all, "rs", 4);
    if (m) placed = *m;
    return m.has_value();
  }));
  REQUIRE(wait_until(5s, [&] { return once_each(live_owners(c, all, "rs"), 4); }));
  const auto before = live_pids(c, "rs");
  int victim = -1;
  for (const auto& [idx, peer] : placed) {
    int i = peer[1] - '0';
    if (victim < 0 || (victim == 0 && i != 0)) victim = i;
  }
  REQUIRE(victim >= 0);

  c.kill9(victim);  // the agent only: its instances keep running
  c.start(victim);
  // Until the restarted peer is alive and ready everywhere and `ps` agrees again, every poll
  // sees each instance exactly once (no second copy started anywhere meanwhile).
  int polls = 0, twice = 0;
  const bool back = wait_until(30s, [&] {
    ++polls;
    auto live = live_pids(c, "rs");
    for (const auto& [idx, pid] : live) twice += pid < 0;
    return see_all_alive(c, all, all) && shoal::test::all_ready(c, all, 3) &&
           agreed_running(c, all, "rs", 4).has_value();
  });
  REQUIRE(back);
  for (int k = 0; k < 8; ++k) {  // and for two more seconds
    ++polls;
    for (const auto& [idx, pid] : live_pids(c, "rs")) twice += pid < 0;
    std::this_thread::sleep_for(250ms);
  }
  INFO(polls << " polls");
  CHECK(twice == 0);
  // Adopted, not restarted: the same processes, on the same peers.
  CHECK(live_pids(c, "rs") == before);
  auto after = agreed_running(c, all, "rs", 4);
  REQUIRE(after);
  CHECK(*after == placed);
}
