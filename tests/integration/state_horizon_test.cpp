// The replicated store's refusals against a real agent, fed sealed state deltas on its gossip
// port as a cut-off peer (or someone replaying captured deltas) would send them: a deleted
// spec's old version is refused (the tombstone horizon), an old spec never deleted is taken,
// a version from the future is refused for skew; /v1/status and `shoal status` count them.
// (A real agent's own clock cannot be skewed here without faketime: the "my writes are
// refused" warning is tested on the store, tests/node/state_report_test.cpp.)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"
#include "gossip/store.hpp"
#include "gossip/wire.hpp"
#include "node/sealer.hpp"

using namespace shoal::test;
using shoal::test::signal_peer;
using namespace std::chrono_literals;
namespace gossip = shoal::gossip;

namespace {

constexpr std::int64_t kSecond = 1'000'000;

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Peer i's stats.state counter `k` (-1 when unreachable).
long long state_stat(Cluster& c, const std::string& k, int i = 0) {
  auto s = c.get(i, "/v1/status");
  if (!s || !(*s)["stats"].contains("state")) return -1;
  return (*s)["stats"]["state"].value(k, -1LL);
}

bool horizon_lists_invalid(Cluster& c, const std::string& service) {
  auto s = c.get(0, "/v1/status");
  if (!s) return false;
  for (const auto& v : (*s)["invalid_specs"])
    if (v.value("service", "") == service) return true;
  return false;
}

// Whether peer i's /v1/services lists `name` (nullopt when unreachable).
std::optional<bool> horizon_lists_service(Cluster& c, int i, const std::string& name) {
  auto s = c.get(i, "/v1/services");
  if (!s || !s->is_array()) return std::nullopt;
  for (const auto& v : *s)
    if (v.value("name", "") == name) return true;
  return false;
}

// SIGCONT to the frozen peer however the test ends (the fixture's SIGKILL follows).
struct HorizonThaw {
  Cluster& c;
  int i;
  ~HorizonThaw() { signal_peer(c, i, SIGCONT); }
};

class DeltaSender {
 public:
  DeltaSender(const std::string& keyring, std::uint16_t port) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    REQUIRE(sodium_init() >= 0);
    REQUIRE(sealer_.load(keyring, "it").empty());
    REQUIRE(fd_ >= 0);
    to_.sin_family = AF_INET;
    to_.sin_port = htons(port);
    to_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  ~DeltaSender() { ::close(fd_); }
  void send(const gossip::Entry& e) {
    const gossip::Bytes plain = gossip::wire::encode(
        gossip::wire::StateDelta{gossip::encode_entries(std::vector<gossip::Entry>{e})});
    const gossip::Bytes sealed = sealer_.seal(plain, gossip::Channel::udp);
    ::sendto(fd_, sealed.data(), sealed.size(), 0, reinterpret_cast<sockaddr*>(&to_), sizeof to_);
  }

 private:
  shoal::node::Sealer sealer_;
  int fd_;
  sockaddr_in to_{};
};

gossip::Entry entry(std::string key, std::int64_t at_us, std::string origin, bool deleted) {
  return gossip::Entry{std::move(key), {gossip::Hlc::from_wall(at_us), std::move(origin)}, deleted,
                       deleted ? gossip::Bytes{} : gossip::string_to_bytes("{\"v\":1}")};
}

}  // namespace

TEST_CASE("state horizon: a deleted spec's old version is refused, an old live spec is taken, "
          "a future one is refused for skew",
          "[integration][state]") {
  Cluster c(1);
  c.set_extra(0, "gossip = { profile = \"fast\", join_grace = \"1s\", tombstone_ttl = \"5s\" }\n"
                 "security = { keyring = \"" + c.keyring() + "\", label = \"it\" }\n");
  c.start(0);
  REQUIRE(wait_until(15s, [&] { return state_stat(c, "refused_expired") == 0; }));
  DeltaSender to(c.keyring(), c.peer(0).gossip_port);
  const std::int64_t now = wall_us();

  // The delete of spec/ghost a minute ago, already past the 5 s TTL: buried on arrival.
  to.send(entry("spec/ghost", now - 60 * kSecond, "gone", true));
  CHECK(wait_until(10s, [&] { return state_stat(c, "graves") == 1; }));
  CHECK(state_stat(c, "refused_expired") == 1);
  // The version it deleted, replayed (or offered by a peer cut off since): refused.
  to.send(entry("spec/ghost", now - 120 * kSecond, "zombie", false));
  CHECK(wait_until(10s, [&] { return state_stat(c, "refused_expired") == 2; }));
  CHECK_FALSE(horizon_lists_invalid(c, "ghost"));  // never reached the specs
  CHECK(state_stat(c, "applied") == 0);

  // A spec written 30 days ago and never deleted is live: this fresh peer takes it (its value
  // is no valid spec, so the gate lists it, which shows it is in the store).
  to.send(entry("spec/ancient", now - 30LL * 24 * 3600 * kSecond, "old", false));
  CHECK(wait_until(10s, [&] { return state_stat(c, "applied") == 1; }));
  CHECK(wait_until(10s, [&] { return horizon_lists_invalid(c, "ancient"); }));

  // A version an hour ahead of this host's clock: refused for skew, counted and shown.
  to.send(entry("spec/future", now + 3600 * kSecond, "ahead", false));
  CHECK(wait_until(10s, [&] { return state_stat(c, "refused_skew") == 1; }));
  auto s = c.get(0, "/v1/status");
  REQUIRE(s);
  CHECK((*s)["clock_ahead_ms"].get<long long>() <= 10'000);  // its own clock is sane
  CHECK((*s)["clock_warning"].is_null());
  auto [code, out] = c.cli({"status", "--api", "127.0.0.1:" + std::to_string(c.peer(0).api_port)});
  CHECK(code == 0);
  CHECK(out.find("refused:    1 remote entries for clock skew") != std::string::npos);
  CHECK(out.find("warning:") == std::string::npos);
}

TEST_CASE("state horizon: a peer frozen past the tombstone TTL does not bring a deleted spec back",
          "[integration][state][e2e]") {
  Cluster c(3, "gossip = { profile = \"fast\", join_grace = \"1s\", tombstone_ttl = \"4s\", "
               "push_pull_interval = \"1s\" }\n");
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/gh.toml")
      << "[service.gh]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 1\n";
  REQUIRE(wait_until(30s, [&] {
    for (int i = 0; i < 3; ++i)
      if (horizon_lists_service(c, i, "gh") != true) return false;
    return true;
  }));
  // p2 is cut off (frozen) while the spec is deleted and its tombstone collected everywhere else.
  HorizonThaw thaw{c, 2};
  signal_peer(c, 2, SIGSTOP);
  REQUIRE(c.cli({"delete", "gh", "--api", "127.0.0.1:" + std::to_string(c.peer(0).api_port)})
              .first == 0);
  REQUIRE(wait_until(30s, [&] {
    return state_stat(c, "graves", 0) >= 1 && state_stat(c, "graves", 1) >= 1;
  }));
  CHECK(horizon_lists_service(c, 0, "gh") == false);
  CHECK(horizon_lists_service(c, 1, "gh") == false);
  // Back, p2 offers its old live version: refused against the graves, and its next push-pull
  // hands it the tombstone.
  signal_peer(c, 2, SIGCONT);
  REQUIRE(wait_until(30s, [&] { return horizon_lists_service(c, 2, "gh") == false; }));
  CHECK(state_stat(c, "refused_expired", 0) + state_stat(c, "refused_expired", 1) >= 1);
  // And nobody took it back meanwhile or since.
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 5s) {
    for (int i = 0; i < 3; ++i) CHECK(horizon_lists_service(c, i, "gh") != true);
    std::this_thread::sleep_for(500ms);
  }
}
