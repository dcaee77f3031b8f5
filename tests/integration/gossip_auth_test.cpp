// Gossip is authenticated with the documented default configuration: a cluster's first peer
// creates its key, a peer that would join without it refuses to start, and an unauthenticated
// peer's gossip (a spec that would run a command) is dropped, never run.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

// Peer i's file with no security table at all (the README's configuration), joining `seed`.
void write_plain_peer(Cluster& c, int i, int seed, const std::string& extra = "") {
  auto& p = c.peer(i);
  std::ofstream f(p.config);
  f << "name = \"" << p.name << "\"\nbind = \"127.0.0.1:" << p.gossip_port << "\"\n";
  if (seed >= 0) f << "join = [\"127.0.0.1:" << c.peer(seed).gossip_port << "\"]\n";
  f << "data_dir = \"" << p.dir << "/data\"\nservices_dir = \"" << p.dir << "/services\"\n"
    << "api = { listen = \"127.0.0.1:" << p.api_port << "\" }\n"
    << "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
    << extra;
}

std::int64_t unauthenticated(Cluster& c, int i) {
  auto s = c.get(i, "/v1/status");
  if (!s) return -1;
  return (*s)["stats"]["packets_unauthenticated"].get<std::int64_t>();
}

}  // namespace

TEST_CASE("default configuration: the founding peer creates a 0600 key, a keyless joiner refuses",
          "[asan][integration][security]") {
  Cluster c(2);
  write_plain_peer(c, 0, -1);
  write_plain_peer(c, 1, 0);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  auto s = c.get(0, "/v1/status");
  CHECK((*s)["sealed"] == true);
  const std::string key = c.peer(0).dir + "/data/keyring";
  struct stat st {};
  REQUIRE(::stat(key.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  c.start(1);
  CHECK(c.wait_exit(1, 10s) == 1);
  const std::string log = shoal::test::read_text(c.peer(1).log);
  CHECK(log.find("no cluster key") != std::string::npos);
  CHECK(log.find(c.peer(1).dir + "/data/keyring") != std::string::npos);

  // With the founder's key copied in, the same peer file joins.
  std::filesystem::copy_file(key, c.peer(1).dir + "/data/keyring");
  c.start(1);
  CHECK(wait_until(15s, [&] { return shoal::test::see_all_alive(c, {0, 1}, {0, 1}); }));
}

TEST_CASE("an unauthenticated peer's spec never runs on a default-configured peer",
          "[asan][integration][security]") {
  Cluster c(2);
  write_plain_peer(c, 0, -1);
  write_plain_peer(c, 1, 0, "security = { insecure = true }\n");
  // Each peer that ran it would leave pwned-<its name>; the attacker may run its own copy.
  const std::string mark = c.root() + "/pwned-" + c.peer(0).name;
  std::ofstream(c.peer(1).dir + "/services/pwn.toml")
      << "[service.pwn]\ncommand = [\"sh\", \"-c\", \"touch " << c.root()
      << "/pwned-$SHOAL_PEER; exec sleep 1000\"]\nreplicas = 2\n";
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  c.start(1);
  // The attacker's alive messages, gossip and push-pulls reach the target and are dropped.
  REQUIRE(wait_until(20s, [&] { return unauthenticated(c, 0) >= 10; }));
  auto services = c.get(0, "/v1/services");
  REQUIRE(services);
  CHECK(services->empty());
  auto members = c.get(0, "/v1/members");
  REQUIRE(members);
  CHECK(members->size() == 1);
  CHECK_FALSE(std::filesystem::exists(mark));
  const std::string log = shoal::test::read_text(c.peer(1).log);
  CHECK(log.find("NOT authenticated") != std::string::npos);  // the insecure peer warns
}
