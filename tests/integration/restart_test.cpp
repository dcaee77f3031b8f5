// Issue 6, end to end: restarts. Desired state survives restarting every peer (agents killed,
// instances kept running; in the end each runs once); a service deleted while the peer holding its
// file was down stays deleted when that peer returns (the deletion made elsewhere wins over the
// unchanged local file, which becomes NAME.toml.deleted).
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"

using shoal::test::agreed_running;
using shoal::test::see_all_alive;
using shoal::test::api_addr;
using shoal::test::Cluster;
using shoal::test::live_owners;
using shoal::test::once_each;
using shoal::test::peers_upto;
using shoal::test::read_text;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("desired state survives restarting every peer", "[integration][e2e]") {
  Cluster c(3);
  const auto all = peers_upto(3);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(1).dir + "/services/keep.toml")
      << "[service.keep]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 3\n";
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, all, "keep", 3).has_value(); }));
  // Persisted (debounced ~1 s) on every peer.
  REQUIRE(wait_until(5s, [&] {
    for (int i : all)
      if (!std::filesystem::exists(c.peer(i).dir + "/data/state")) return false;
    return true;
  }));
  std::this_thread::sleep_for(1500ms);  // past the persist debounce of the last change
  REQUIRE(once_each(live_owners(c, all, "keep"), 3));
  for (int i : all) c.kill9(i);  // the agents only: the instances keep running
  for (int i : all) c.start(i);
  REQUIRE(wait_until(30s, [&] {
    return see_all_alive(c, all, all) && agreed_running(c, all, "keep", 3).has_value() &&
           once_each(live_owners(c, all, "keep"), 3);
  }));
  for (int i : all) {
    auto s = c.get(i, "/v1/services");
    REQUIRE(s);
    REQUIRE(s->size() == 1);
    CHECK((*s)[0]["name"] == "keep");
    CHECK((*s)[0]["running"] == 3);
    CHECK(read_text(c.peer(i).log).find("restored ") != std::string::npos);
  }
  // p1's file is unchanged: it was published once, not again after the restart.
  CHECK(count_of(read_text(c.peer(1).log), "published spec/keep") == 1);
}

TEST_CASE("a service deleted while the peer holding its file was down stays deleted",
          "[integration][e2e]") {
  Cluster c(3);
  const auto all = peers_upto(3);
  REQUIRE(start_all_ready(c));
  const std::string file = c.peer(1).dir + "/services/gone.toml";
  std::ofstream(file) << "[service.gone]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n";
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, all, "gone", 2).has_value(); }));
  REQUIRE(wait_until(5s, [&] {
    return std::filesystem::exists(c.peer(1).dir + "/data/state") &&
           read_text(c.peer(1).dir + "/data/published").find("gone ") != std::string::npos;
  }));
  std::this_thread::sleep_for(1500ms);  // past the persist debounce

  c.kill9(1);  // the agent only: whatever it ran keeps running
  REQUIRE(wait_until(20s, [&] {
    return c.state_seen(0, "p1") == "dead" && c.state_seen(2, "p1") == "dead";
  }));
  auto [code, out] = c.cli({"delete", "gone", "--api", api_addr(c, 0)});
  REQUIRE(code == 0);
  REQUIRE(wait_until(10s, [&] {
    auto a = c.get(0, "/v1/services"), b = c.get(2, "/v1/services");
    return a && b && a->empty() && b->empty();
  }));
  CHECK(std::filesystem::exists(file));  // p1 is down: its file is untouched

  c.start(1);
  REQUIRE(wait_until(20s, [&] { return see_all_alive(c, all, all); }));
  // p1 takes the deletion, renames its unchanged file and stops what it still ran.
  CHECK(wait_until(15s, [&] { return std::filesystem::exists(file + ".deleted"); }));
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK(wait_until(15s, [&] { return live_owners(c, all, "gone").empty(); }));
  // Deleted everywhere, and it stays so (no resurrection from p1's restored state).
  for (int k = 0; k < 8; ++k) {
    for (int i : all) {
      auto s = c.get(i, "/v1/services");
      REQUIRE(s);
      CHECK(s->empty());
    }
    std::this_thread::sleep_for(250ms);
  }
  CHECK(count_of(read_text(c.peer(1).log), "published spec/gone") == 1);
}

TEST_CASE("a restarted seed rejoins the peers it remembered, without waiting for their retries",
          "[integration][e2e]") {
  // p0 is everyone's only seed and has none itself: before data_dir/peers, a restarted p0 stayed
  // alone until p1 or p2 retried it (seed_retry_interval / reconnect_interval, 30 s).
  Cluster c(3);
  const auto all = peers_upto(3);
  REQUIRE(start_all_ready(c));
  const std::string known = c.peer(0).dir + "/data/peers";
  REQUIRE(wait_until(5s, [&] {
    const std::string t = read_text(known);
    return count_of(t, "127.0.0.1:") == 2;  // both others, one line each
  }));
  c.kill9(0);
  REQUIRE(wait_until(20s, [&] {
    return c.state_seen(1, "p0") == "dead" && c.state_seen(2, "p0") == "dead";
  }));
  c.start(0);
  CHECK(wait_until(10s, [&] { return see_all_alive(c, all, all); }));
  CHECK(read_text(c.peer(0).log).find("rejoining 2 peer(s) remembered") != std::string::npos);
}
