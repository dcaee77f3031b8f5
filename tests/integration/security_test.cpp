// Sealed gossip with a keyring: peers sharing the key form a cluster, a peer with another key
// is kept out (its packets fail to authenticate and are counted); the API token for mutating
// calls over TCP, from anywhere (loopback included), and the unix socket without one.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <thread>

#include "cluster.hpp"
#include "tests/skip.hpp"
#include "node/host.hpp"
#include "node/http.hpp"

using shoal::test::keygen;
using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

int alive_seen(Cluster& c, int i) {
  auto j = c.get(i, "/v1/members");
  if (!j) return -1;
  int n = 0;
  for (const auto& m : *j) n += m["state"] == "alive";
  return n;
}

}  // namespace

TEST_CASE("a keyring seals gossip: a peer with the wrong key stays out, the cluster runs on",
          "[asan][integration][security]") {
  Cluster c(3);
  const std::string good = c.root() + "/good.keyring", bad = c.root() + "/bad.keyring";
  std::ofstream(good) << keygen(c) << "\n";
  std::ofstream(bad) << keygen(c) << "\n";
  const std::string gossip = "gossip = { profile = \"fast\", join_grace = \"1s\" }\n";
  for (int i = 0; i < 2; ++i) {
    c.set_extra(i, gossip + "security = { keyring = \"" + good + "\", label = \"it\" }\n");
  }
  c.set_extra(2, gossip + "security = { keyring = \"" + bad + "\", label = \"it\" }\n");
  for (int i = 0; i < 3; ++i) c.start(i);
  REQUIRE(wait_until(15s, [&] { return alive_seen(c, 0) == 2 && alive_seen(c, 1) == 2; }));
  std::this_thread::sleep_for(3s);  // several join retries of p2
  CHECK(alive_seen(c, 0) == 2);
  CHECK(alive_seen(c, 1) == 2);
  CHECK(alive_seen(c, 2) == 1);  // only itself
  auto s = c.get(0, "/v1/status");
  REQUIRE(s);
  CHECK((*s)["sealed"] == true);
  CHECK((*s)["stats"]["packets_unauthenticated"].get<int>() > 0);
}

TEST_CASE("mutating API calls over TCP need the token, from loopback too",
          "[asan][integration][security]") {
  const std::string ip = shoal::node::first_non_loopback_ipv4();
  if (ip.empty()) {
    SHOAL_SKIP("no non-loopback IPv4 address here", false);
  }
  Cluster c(1);
  const std::string token_file = c.root() + "/token";
  std::ofstream(token_file) << "s3cret\n";
  const auto port = c.peer(0).api_port;
  // set_extra writes an api line of its own, so this peer file is written here in full.
  {
    std::ofstream f(c.peer(0).config);
    f << "name = \"p0\"\nbind = \"127.0.0.1:" << c.peer(0).gossip_port << "\"\n"
      << "data_dir = \"" << c.peer(0).dir << "/data\"\n"
      << "services_dir = \"" << c.peer(0).dir << "/services\"\n"
      << "api = { listen = \"0.0.0.0:" << port << "\", token_file = \"" << token_file << "\" }\n";
  }
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  const std::string body = R"({"file":"x.toml","content":"[service.x]\ncommand = [\"true\"]\n"})";
  auto remote_no = shoal::node::http_call(ip, port, "POST", "/v1/apply", body, "", 3000);
  REQUIRE(remote_no.ok);
  CHECK(remote_no.status == 403);
  auto remote_bad = shoal::node::http_call(ip, port, "POST", "/v1/apply", body, "nope", 3000);
  CHECK(remote_bad.status == 403);
  auto remote_ok = shoal::node::http_call(ip, port, "POST", "/v1/apply", body, "s3cret", 3000);
  CHECK(remote_ok.status == 200);
  auto local = shoal::node::http_call("127.0.0.1", port, "DELETE", "/v1/services/x", "", "", 3000);
  CHECK(local.status == 403);  // loopback is no authority
  auto sock = shoal::node::http_call_unix(c.peer(0).dir + "/data/api.sock", "DELETE",
                                          "/v1/services/x", "", "", 3000);
  CHECK(sock.status == 200);  // the unix socket needs no token
  auto read = shoal::node::http_call(ip, port, "GET", "/v1/members", "", "", 3000);
  CHECK(read.status == 200);   // reads are open
}
