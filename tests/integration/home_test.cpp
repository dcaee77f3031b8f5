// Issue 6, end to end: a home service (`placement = { home = true }` in the file of peer 0) runs on
// peer 0, moves to the others on its host death (kill -9 of the peer and its instances), and
// returns to peer 0 after it restarts (make-before-break: the copies elsewhere then stop). The
// times are reported (WARN).
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "cluster.hpp"

using shoal::test::secs_since;
using shoal::test::agreed_running;
using shoal::test::all_ready;
using shoal::test::see_all_alive;
using shoal::test::Cluster;
using shoal::test::live_owners;
using shoal::test::once_each;
using shoal::test::peers_upto;
using shoal::test::set_join;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

}  // namespace

TEST_CASE("a home service runs on its peer, moves on its host death, returns after its restart",
          "[integration][e2e]") {
  Cluster c(3);
  const auto all = peers_upto(3);
  const std::vector<int> others{1, 2};
  // p0 is everyone's seed; its own seeds are the others, so that it finds them again at once
  // when it restarts (not after seed_retry_interval, running alone meanwhile).
  set_join(c, 0, others);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/hm.toml")
      << "[service.hm]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n"
      << "placement = { home = true }\n";
  // Both instances on p0, as every peer's `ps` says and the processes show.
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, all, "hm", 2, {0}).has_value(); }));
  REQUIRE(wait_until(5s, [&] {
    auto live = live_owners(c, all, "hm");
    return once_each(live, 2) && live[0][0] == "p0" && live[1][0] == "p0";
  }));

  // Host death of p0.
  auto t0 = std::chrono::steady_clock::now();
  c.kill9(0);
  c.kill_instances(0);
  REQUIRE(wait_until(5s, [&] { return live_owners(c, {0}, "hm").empty(); }));
  const bool moved = wait_until(30s, [&] {
    return agreed_running(c, others, "hm", 2, others).has_value() &&
           once_each(live_owners(c, others, "hm"), 2);
  });
  WARN("home peer p0 died: its 2 instances run on p1/p2 after " << secs_since(t0) << " s");
  REQUIRE(moved);

  // p0 comes back: once it is ready, the instances return to it and the copies elsewhere stop.
  t0 = std::chrono::steady_clock::now();
  c.start(0);
  REQUIRE(wait_until(30s, [&] { return see_all_alive(c, all, all) && all_ready(c, all, 3); }));
  const bool returned = wait_until(30s, [&] {
    auto live = live_owners(c, all, "hm");
    return agreed_running(c, all, "hm", 2, {0}).has_value() && once_each(live, 2) &&
           live[0][0] == "p0" && live[1][0] == "p0";
  });
  WARN("home peer p0 restarted: its 2 instances back on it alone after " << secs_since(t0)
                                                                        << " s");
  CHECK(returned);
}
