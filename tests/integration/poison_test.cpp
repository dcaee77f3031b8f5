// Issue 13 (items 7, 8) and issue 14 (item 2), end to end against real agents with a sealed
// cluster: a poisoned spec in a peer's replicated state (replicas = 2^31 - 1, a key that is not
// its name) reaches the other peer by gossip; both stay up, list it in /v1/status, place it
// nowhere, keep running their other service, and restart with it in their state. A sealed
// datagram carrying a member whose name is not UTF-8 (or whose address is a DNS name) is
// dropped and counted; /v1/members still answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "cluster.hpp"
#include "net.hpp"
#include "gossip/store.hpp"
#include "node/sealer.hpp"
#include "node/peer/state_codec.hpp"

using shoal::test::keygen;
using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;
namespace gossip = shoal::gossip;

namespace {

gossip::Bytes poison_bytes(const std::string& s) {
  const auto* b = reinterpret_cast<const std::byte*>(s.data());
  return gossip::Bytes(b, b + s.size());
}

// data_dir/state of peer `self` holding the poison: what a peer that took it in before this
// fix (or a buggy writer) holds, and gossips on joining.
void write_poisoned_state(const std::string& path, const std::string& self) {
  gossip::Store store(self);
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  shoal::config::ServiceSpec bomb;
  bomb.name = "bomb";
  bomb.command = {"sleep", "1000"};
  bomb.replicas = 2147483647;
  store.put(now, "spec/bomb", poison_bytes(shoal::node::encode_spec(bomb)));
  shoal::config::ServiceSpec other = bomb;
  other.name = "other";
  other.replicas = 1;
  store.put(now + 1, "spec/evil", poison_bytes(shoal::node::encode_spec(other)));
  const gossip::Bytes snap = store.snapshot();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(snap.data()), static_cast<std::streamsize>(snap.size()));
}

bool lists_invalid(Cluster& c, int i) {
  auto s = c.get(i, "/v1/status");
  if (!s || !(*s)["invalid_specs"].is_array()) return false;
  bool bomb = false, evil = false;
  for (const auto& e : (*s)["invalid_specs"]) {
    bomb |= e["service"] == "bomb" && e["origin"] == "p1" &&
            e["error"] == "replicas must be from 0 to 10000, not 2147483647";
    evil |= e["service"] == "evil" &&
            e["error"] == "stored under `spec/evil` but names itself `other`";
  }
  return bomb && evil;
}

bool web_running(Cluster& c, int i) {
  auto ps = c.get(i, "/v1/ps");
  if (!ps || !ps->is_array()) return false;
  int running = 0;
  for (const auto& r : *ps) {
    if (r["service"] == "bomb" || r["service"] == "other") return false;  // never placed
    running += r["service"] == "web" && r["state"] == "running";
  }
  return running == 2;
}

// A hand-written alive message (see tests/gossip/member_check_test.cpp), sealed.
gossip::Bytes alive_packet(const std::string& name, const std::string& host) {
  gossip::Bytes b;
  auto put = [&](unsigned x) { b.push_back(std::byte(x)); };
  for (unsigned x : {0x01u, 0x05u, 0x94u}) put(x);
  put(0xa0u | static_cast<unsigned>(name.size()));
  for (char ch : name) put(static_cast<unsigned char>(ch));
  put(0x92);
  put(0xa0u | static_cast<unsigned>(host.size()));
  for (char ch : host) put(static_cast<unsigned char>(ch));
  for (unsigned x : {0xcdu, 0x1fu, 0x1eu, 0x01u, 0xc4u, 0x09u, 0x98u, 0xa0u, 0x80u, 0x00u, 0x00u,
                     0xa0u, 0x01u, 0xc3u, 0xc3u})
    put(x);
  return b;
}

void send_udp(std::uint16_t port, const gossip::Bytes& packet) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  const sockaddr_in a = shoal::test::loopback(port);
  ::sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  ::close(fd);
}

}  // namespace

TEST_CASE("a poisoned spec from gossip is refused and listed, the peers stay up and run the rest",
          "[asan][integration][poison]") {
  Cluster c(2);
  const std::string keyring = c.root() + "/cluster.keyring";
  std::ofstream(keyring) << keygen(c) << "\n";
  const std::string extra = "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
                            "security = { keyring = \"" + keyring + "\", label = \"it\" }\n";
  for (int i = 0; i < 2; ++i) c.set_extra(i, extra);
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n";
  std::filesystem::create_directories(c.peer(1).dir + "/data");
  write_poisoned_state(c.peer(1).dir + "/data/state", "p1");
  c.start(0);
  c.start(1);

  // p0 receives the poison from p1 by gossip; both list it, both run web.
  REQUIRE(wait_until(40s, [&] { return lists_invalid(c, 0) && lists_invalid(c, 1); }));
  REQUIRE(wait_until(40s, [&] { return web_running(c, 0) && web_running(c, 1); }));
  auto s = c.get(0, "/v1/status");
  REQUIRE(s);
  CHECK((*s)["stats"]["specs_refused"].get<int>() >= 2);
  CHECK((*s)["stats"]["handler_errors"] == 0);
  CHECK((*s)["alive"] == 2);

  // Restarting with the poison in its own state: p0 comes back, lists it, runs web again.
  c.kill9(0);
  c.start(0);
  REQUIRE(wait_until(40s, [&] { return lists_invalid(c, 0); }));
  REQUIRE(wait_until(40s, [&] { return web_running(c, 0) && web_running(c, 1); }));

  // A member whose name is not UTF-8, or whose address is a name: dropped, counted.
  shoal::node::Sealer sealer;
  REQUIRE(sealer.load(keyring, "it").empty());
  const auto before = (*c.get(1, "/v1/status"))["stats"]["packets_malformed"].get<int>();
  const auto udp = shoal::gossip::Channel::udp;
  send_udp(c.peer(1).gossip_port, sealer.seal(alive_packet("n\xff", "127.0.0.1"), udp));
  send_udp(c.peer(1).gossip_port, sealer.seal(alive_packet("dns", "localhost"), udp));
  REQUIRE(wait_until(10s, [&] {
    auto st = c.get(1, "/v1/status");
    return st && (*st)["stats"]["packets_malformed"].get<int>() >= before + 2;
  }));
  auto members = c.get(1, "/v1/members");
  REQUIRE(members);
  CHECK(members->size() == 2);
  auto st = c.get(1, "/v1/status");
  REQUIRE(st);
  CHECK((*st)["members"] == 2);
}
