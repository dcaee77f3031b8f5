// Real `shoal agent` processes on loopback: a cluster forms, a kill -9 is detected, garbage at
// the gossip port is dropped, SIGTERM leaves gracefully.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "cluster.hpp"
#include "net.hpp"

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

int alive_count(const nlohmann::json& members) {
  int n = 0;
  for (const auto& m : members) n += m.value("state", "") == "alive";
  return n;
}

bool all_see_alive(Cluster& c, int n) {
  for (int i = 0; i < c.size(); ++i) {
    if (c.peer(i).pid <= 0) continue;
    auto j = c.get(i, "/v1/members");
    if (!j || alive_count(*j) != n) return false;
  }
  return true;
}

void start_peers(Cluster& c) {
  for (int i = 0; i < c.size(); ++i) c.start(i);
  REQUIRE(wait_until(20s, [&] { return all_see_alive(c, c.size()); }));
}

}  // namespace

TEST_CASE("three peers form a cluster: `shoal members --json` on each lists 3 alive",
          "[integration]") {
  Cluster c(3);
  start_peers(c);
  for (int i = 0; i < 3; ++i) {
    auto [code, out] =
        c.cli({"members", "--json", "--api", "127.0.0.1:" + std::to_string(c.peer(i).api_port)});
    REQUIRE(code == 0);
    auto j = nlohmann::json::parse(out);
    REQUIRE(j.size() == 3);
    for (const auto& m : j) {
      CHECK(m["state"] == "alive");
      for (const char* k : {"name", "addr", "state", "zone", "incarnation", "ready"}) {
        CHECK(m.contains(k));
      }
    }
  }
  // Status: counts and a 16-hex-digit view hash, equal on every peer once all are ready.
  REQUIRE(wait_until(10s, [&] {
    std::string h;
    for (int i = 0; i < 3; ++i) {
      auto s = c.get(i, "/v1/status");
      if (!s || (*s)["ready"] != 3) return false;
      if (i == 0) h = (*s)["view_hash"];
      if ((*s)["view_hash"] != h) return false;
    }
    return true;
  }));
  auto s = c.get(1, "/v1/status");
  REQUIRE(s);
  CHECK((*s)["name"] == "p1");
  CHECK((*s)["members"] == 3);
  CHECK((*s)["alive"] == 3);
  CHECK((*s)["view_hash"].get<std::string>().size() == 16);
  auto [code, out] = c.cli({"status", "--api", "127.0.0.1:" + std::to_string(c.peer(1).api_port)});
  CHECK(code == 0);
  CHECK(out.find("p1") != std::string::npos);
}

TEST_CASE("an unreachable peer: client commands exit 1", "[integration]") {
  Cluster c(1);  // never started
  auto [code, out] =
      c.cli({"members", "--api", "127.0.0.1:" + std::to_string(c.peer(0).api_port)});
  CHECK(code == 1);
  CHECK(out.empty());
}

TEST_CASE("kill -9 of a peer: the others see it dead within a bound", "[serial][integration]") {
  Cluster c(3);
  start_peers(c);
  const auto t0 = std::chrono::steady_clock::now();
  c.kill9(2);
  REQUIRE(wait_until(20s, [&] {
    return c.state_seen(0, "p2") == "dead" && c.state_seen(1, "p2") == "dead";
  }));
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN("kill -9 detected as dead on every survivor after " << secs << " s (fast profile)");
  CHECK(all_see_alive(c, 2));
}

TEST_CASE("garbage UDP datagrams at the gossip port are dropped and counted",
          "[asan][integration]") {
  Cluster c(3);
  start_peers(c);
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  const sockaddr_in a = shoal::test::loopback(c.peer(0).gossip_port);
  std::mt19937 rng(12345);  // fixed seed: the same garbage every run
  for (int i = 0; i < 500; ++i) {
    std::vector<unsigned char> junk(1 + rng() % 1400);
    for (auto& b : junk) b = static_cast<unsigned char>(rng());
    if (i % 3 == 0) junk[0] = static_cast<unsigned char>(i % 8);  // plausible version bytes
    ::sendto(fd, junk.data(), junk.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  }
  ::sendto(fd, "", 0, 0, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  ::close(fd);
  REQUIRE(wait_until(5s, [&] {
    auto s = c.get(0, "/v1/status");
    return s && (*s)["stats"]["packets_dropped"].get<int>() > 0;
  }));
  // Still serving, still a member of a healthy cluster a few protocol periods later.
  std::this_thread::sleep_for(2s);
  CHECK(all_see_alive(c, 3));
  auto s = c.get(0, "/v1/status");
  REQUIRE(s);
  CHECK((*s)["alive"] == 3);
}

TEST_CASE("SIGTERM: the peer leaves gracefully and exits 0, the others see `left`",
          "[integration]") {
  Cluster c(3);
  start_peers(c);
  CHECK(c.terminate(1) == 0);
  REQUIRE(wait_until(5s, [&] {
    return c.state_seen(0, "p1") == "left" && c.state_seen(2, "p1") == "left";
  }));
  // The restarted peer comes back alive with a higher incarnation (persisted in data_dir).
  auto before = c.get(0, "/v1/members");
  REQUIRE(before);
  std::uint64_t inc_before = 0;
  for (const auto& m : *before)
    if (m["name"] == "p1") inc_before = m["incarnation"];
  c.start(1);
  REQUIRE(wait_until(15s, [&] { return c.state_seen(0, "p1") == "alive"; }));
  auto after = c.get(0, "/v1/members");
  REQUIRE(after);
  for (const auto& m : *after)
    if (m["name"] == "p1") CHECK(m["incarnation"].get<std::uint64_t>() > inc_before);
}
