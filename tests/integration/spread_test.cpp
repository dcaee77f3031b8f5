// Issue 6, end to end: 5 real peers on loopback and a 6-replica process service defined in one
// peer's services_dir. Every instance runs exactly once (the process driver's records and live
// processes across all peers), and `shoal ps --json` agrees on every peer: the same
// (service, index) -> peer, every state `running`.
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
using shoal::test::live_owners;
using shoal::test::once_each;
using shoal::test::peers_upto;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

TEST_CASE("5 peers, a 6-replica service: each instance runs once, `ps` agrees on every peer",
          "[integration][e2e]") {
  Cluster c(5);
  const auto all = peers_upto(5);
  REQUIRE(start_all_ready(c));

  // Defined on p3 only: the other four learn it through gossip.
  std::ofstream(c.peer(3).dir + "/services/six.toml")
      << "[service.six]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 6\n";
  std::map<int, std::string> placed;
  REQUIRE(wait_until(30s, [&] {
    auto m = agreed_running(c, all, "six", 6);
    if (m) placed = *m;
    return m.has_value();
  }));
  std::set<std::string> hosts;
  for (const auto& [idx, peer] : placed) hosts.insert(peer);
  CHECK(hosts.size() >= 2);  // spread, not piled on one peer

  // The processes: each index once, on the peer `ps` names (running means reported running, so
  // the process exists; allow a moment for a reaped zombie of an earlier handoff to vanish).
  auto live = live_owners(c, all, "six");
  CHECK(wait_until(5s, [&] {
    live = live_owners(c, all, "six");
    return once_each(live, 6);
  }));
  for (const auto& [idx, owners] : live) {
    REQUIRE(owners.size() == 1);
    CHECK(placed[idx] == owners[0]);
  }
  // And it stays so: a few more polls over a second and a half see no change anywhere.
  for (int k = 0; k < 6; ++k) {
    auto again = agreed_running(c, all, "six", 6);
    REQUIRE(again);
    CHECK(*again == placed);
    CHECK(once_each(live_owners(c, all, "six"), 6));
    std::this_thread::sleep_for(250ms);
  }
}
