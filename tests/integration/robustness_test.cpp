// Issue 6, end to end: while a sealed 3-peer cluster runs a service, a malformed service file is
// dropped into one peer's services_dir, the running service's own file is broken by an edit,
// garbage datagrams hit every gossip port and a peer with the wrong key tries to join. Nothing
// already running is lost (the same processes, `ps` unchanged on every peer), the errors show in
// `shoal status --json`, the broken file publishes nothing, and the wrong-key peer stays out.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"
#include "net.hpp"

using shoal::test::keygen;
using shoal::test::agreed_running;
using shoal::test::all_ready;
using shoal::test::see_all_alive;
using shoal::test::api_addr;
using shoal::test::Cluster;
using shoal::test::instance_alive;
using shoal::test::live_owners;
using shoal::test::once_each;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

// index -> pid of the live instance processes of `svc` on peers 0..2.
std::map<int, std::int64_t> live_pids(Cluster& c, const std::string& svc) {
  std::map<int, std::int64_t> out;
  for (int i = 0; i < 3; ++i) {
    for (const auto& r : c.instances(i)) {
      if (r.labels.service == svc && instance_alive(r)) out[r.labels.index] = r.pid;
    }
  }
  return out;
}

void send_garbage(std::uint16_t port, unsigned seed) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  const sockaddr_in a = shoal::test::loopback(port);
  std::mt19937 rng(seed);  // fixed seed: the same garbage every run
  for (int i = 0; i < 300; ++i) {
    std::vector<unsigned char> junk(1 + rng() % 1400);
    for (auto& b : junk) b = static_cast<unsigned char>(rng());
    if (i % 3 == 0) junk[0] = static_cast<unsigned char>(i % 8);  // plausible version bytes
    ::sendto(fd, junk.data(), junk.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  }
  ::close(fd);
}

// Whether `shoal status --json` on peer i lists an error containing `what`.
bool status_error(Cluster& c, int i, const std::string& what) {
  auto [code, out] = c.cli({"status", "--json", "--api", api_addr(c, i)});
  if (code != 0) return false;
  Json s = Json::parse(out, nullptr, false);
  if (s.is_discarded() || !s["errors"].is_array()) return false;
  for (const auto& e : s["errors"])
    if (e.is_string() && e.get<std::string>().find(what) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("malformed service files, garbage datagrams, a wrong-key peer: nothing running is lost",
          "[asan][integration][e2e]") {
  Cluster c(4);
  const std::vector<int> three{0, 1, 2};
  const std::string good = c.root() + "/good.keyring", bad = c.root() + "/bad.keyring";
  std::ofstream(good) << keygen(c) << "\n";
  std::ofstream(bad) << keygen(c) << "\n";
  const std::string gossip = "gossip = { profile = \"fast\", join_grace = \"1s\" }\n";
  for (int i = 0; i < 4; ++i) {
    c.set_extra(i, gossip + "security = { keyring = \"" + (i < 3 ? good : bad) +
                       "\", label = \"it\" }\n");
  }
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  c.start(1);
  c.start(2);
  REQUIRE(wait_until(30s, [&] { return see_all_alive(c, three, three) && all_ready(c, three, 3); }));
  const std::string file = c.peer(0).dir + "/services/steady.toml";
  std::ofstream(file) << "[service.steady]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 3\n";
  std::map<int, std::string> placed;
  REQUIRE(wait_until(30s, [&] {
    auto m = agreed_running(c, three, "steady", 3);
    if (m) placed = *m;
    return m.has_value();
  }));
  REQUIRE(wait_until(5s, [&] { return once_each(live_owners(c, three, "steady"), 3); }));
  const auto pids = live_pids(c, "steady");

  // All at once: a malformed new file on p2, a malformed edit of the running service's file
  // on p0, a peer with the wrong key, garbage at every gossip port.
  std::ofstream(c.peer(2).dir + "/services/broken.toml")
      << "[service.broken]\nreplicas = \"x\"\ncommand = [\"true\"]\n";
  std::ofstream(file) << "[service.steady]\nreplcas = 3\n";
  c.start(3);
  for (int i = 0; i < 3; ++i) send_garbage(c.peer(i).gossip_port, 1000u + i);

  CHECK(wait_until(10s, [&] { return status_error(c, 2, "broken.toml"); }));
  CHECK(wait_until(10s, [&] { return status_error(c, 0, "steady.toml:2:1"); }));
  // Nothing lost for three seconds: the same processes, `ps` unchanged on every peer, one
  // service, a cluster of three.
  for (int k = 0; k < 12; ++k) {
    auto m = agreed_running(c, three, "steady", 3);
    CHECK(m.has_value());
    if (m) CHECK(*m == placed);
    CHECK(live_pids(c, "steady") == pids);
    std::this_thread::sleep_for(250ms);
  }
  for (int i : three) {
    auto s = c.get(i, "/v1/services");
    REQUIRE(s);
    REQUIRE(s->size() == 1);
    CHECK((*s)[0]["name"] == "steady");
    CHECK((*s)[0]["running"] == 3);
  }
  CHECK(see_all_alive(c, three, three));
  CHECK(c.state_seen(0, "p3").empty());  // never admitted
  auto s0 = c.get(0, "/v1/status");
  REQUIRE(s0);
  CHECK((*s0)["alive"] == 3);
  CHECK((*s0)["stats"]["packets_unauthenticated"].get<int>() > 0);
}
