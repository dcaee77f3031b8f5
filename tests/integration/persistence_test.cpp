// Persistence that only the restarted peer's own disk can supply: the other peers that knew the
// value are gone too, so a test passes only if the peer wrote it and read it back.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cluster.hpp"

using shoal::test::agreed_running;
using shoal::test::api_addr;
using shoal::test::Cluster;
using shoal::test::peers_upto;
using shoal::test::see_all_alive;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

std::int64_t incarnation(Cluster& c, int i) {
  auto s = c.get(i, "/v1/status");
  return s ? (*s)["incarnation"].get<std::int64_t>() : -1;
}

}  // namespace

TEST_CASE("a peer restarted alone keeps its incarnation from its own disk",
          "[integration][persistence]") {
  Cluster c(2);
  REQUIRE(start_all_ready(c));
  // A stall makes p0 suspect p1; p1 refutes (or rejoins) with a higher incarnation.
  shoal::test::signal_peer(c, 1, SIGSTOP);
  const bool suspected = wait_until(20s, [&] {
    const auto s = c.state_seen(0, "p1");
    return s == "suspect" || s == "dead";
  });
  shoal::test::signal_peer(c, 1, SIGCONT);
  REQUIRE(suspected);
  REQUIRE(wait_until(20s, [&] { return incarnation(c, 1) >= 1 && see_all_alive(c, {0}, {0, 1}); }));
  const std::int64_t before = incarnation(c, 1);
  c.kill9(0);
  c.kill9(1);
  shoal::test::set_join(c, 1, {});  // alone: nobody can tell it its old incarnation
  c.start(1);
  REQUIRE(wait_until(10s, [&] { return incarnation(c, 1) >= 0; }));
  CHECK(incarnation(c, 1) >= before);
}

TEST_CASE("a tombstone survives a restart of the only peers that held it",
          "[integration][persistence]") {
  Cluster c(3);
  const auto all = peers_upto(3);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(1).dir + "/services/gone.toml")
      << "[service.gone]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 1\n";
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, all, "gone", 1).has_value(); }));
  std::this_thread::sleep_for(1500ms);  // past the state's persist debounce on every peer
  c.kill9(2);  // p2 keeps the spec on its disk: a stale copy
  REQUIRE(wait_until(20s, [&] { return c.state_seen(0, "p2") == "dead"; }));
  REQUIRE(c.cli({"delete", "gone", "--api", api_addr(c, 0)}).first == 0);
  REQUIRE(wait_until(10s, [&] {
    auto a = c.get(0, "/v1/services"), b = c.get(1, "/v1/services");
    return a && b && a->empty() && b->empty();
  }));
  std::this_thread::sleep_for(1500ms);  // the tombstone persisted
  c.kill9(0);
  c.kill9(1);
  // Only p0's disk holds the tombstone now; p2 comes back with the spec.
  shoal::test::set_join(c, 2, {0});
  c.start(0);
  c.start(2);
  REQUIRE(wait_until(20s, [&] { return see_all_alive(c, {0, 2}, {0, 2}); }));
  for (int k = 0; k < 12; ++k) {
    for (int i : {0, 2}) {
      auto s = c.get(i, "/v1/services");
      REQUIRE(s);
      CHECK(s->empty());
    }
    std::this_thread::sleep_for(250ms);
  }
}
