// Canaries on 2 real peers (process driver): a version with update.canary = 1 runs on one
// instance while the other keeps the old one; `apply --wait` exits 0 at that wait; `shoal
// services` and `shoal status` say so on both peers; `shoal promote` written through one peer
// rolls the rest on, as every peer reads the replicated key; promoting again is refused (1).
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>

#include "cluster.hpp"
#include "node/http.hpp"

using shoal::test::api_addr;
using shoal::test::Cluster;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

void write_canary_version(const std::string& path, int version) {
  std::ofstream(path) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n"
                      << "env = { VERSION = \"" << version << "\" }\n"
                      << "health = { exec = [\"true\"], interval = \"200ms\", timeout = \"100ms\" }\n"
                      << "update = { min_healthy_time = \"200ms\", canary = 1 }\n";
}

// The spec hashes of web's live processes on both peers, one per instance index.
std::multiset<std::string> live_hash_counts(Cluster& c) {
  return shoal::test::live_spec_hashes(c, {0, 1}, "web");
}

}  // namespace

TEST_CASE("canary on 2 real peers: one canary waits for shoal promote, then the rest follows",
          "[integration][canary]") {
  Cluster c(2);
  REQUIRE(start_all_ready(c));
  const std::string api = api_addr(c, 0);
  const std::string file = c.root() + "/web.toml";
  write_canary_version(file, 1);  // a first version is never held: nothing to replace
  REQUIRE(c.cli({"apply", "--wait", "--timeout", "20s", file, "--api", api}).first == 0);
  const std::string v1 = (*c.get(1, "/v1/services"))[0].value("version", "");

  write_canary_version(file, 2);
  auto [rc, out] = c.cli({"apply", "--wait", "--timeout", "20s", file, "--api", api});
  INFO(out);
  CHECK(rc == 0);  // --wait is done at the canary wait
  CHECK(out.find("awaiting_promotion") != std::string::npos);
  const std::string v2 = (*c.get(0, "/v1/services"))[0].value("version", "");
  REQUIRE(v2 != v1);
  REQUIRE(wait_until(5s, [&] {
    for (int i : {0, 1}) {
      auto s = c.get(i, "/v1/services");
      if (!s || s->empty() || (*s)[0].value("deployment", Json()) != "awaiting_promotion") return false;
    }
    return true;
  }));
  CHECK((*c.get(1, "/v1/services"))[0]["canaries"] == 1);
  CHECK((*c.get(1, "/v1/status"))["awaiting_promotion"] ==
        Json::parse(R"([{"service":"web","version":")" + v2 + R"(","canaries":1}])"));
  CHECK(live_hash_counts(c) == std::multiset<std::string>{v1, v2});

  // A promotion is a change: over TCP without the token it is refused (nothing written).
  auto tcp = shoal::node::http_call("127.0.0.1", c.peer(1).api_port, "POST", "/v1/promote",
                                    R"({"service":"web"})", "", 5000);
  REQUIRE(tcp.ok);
  CHECK(tcp.status == 403);
  CHECK((*c.get(0, "/v1/services"))[0].value("deployment", Json()) == "awaiting_promotion");

  // Promote through peer 1: peer 0 reads the same key and both roll on.
  auto [prc, pout] = c.cli({"promote", "web", "--api", api_addr(c, 1)});
  INFO(pout);
  REQUIRE(prc == 0);
  REQUIRE(wait_until(8s, [&] {
    for (int i : {0, 1}) {
      auto s = c.get(i, "/v1/services");
      if (!s || s->empty() || (*s)[0].value("deployment", Json()) != "healthy") return false;
    }
    return live_hash_counts(c) == std::multiset<std::string>{v2, v2};
  }));
  CHECK((*c.get(0, "/v1/status"))["awaiting_promotion"] == Json::array());
  CHECK(c.cli({"promote", "web", "--api", api}).first == 1);  // nothing waits any more
  CHECK(c.cli({"promote", "nope", "--api", api}).first == 1);
  const std::string sock = c.peer(0).dir + "/data/api.sock";
  auto again = shoal::node::http_call_unix(sock, "POST", "/v1/promote", R"({"service":"web"})", "", 5000);
  CHECK(again.status == 409);
  CHECK(again.body.find("is not waiting for promotion (deployment: healthy") != std::string::npos);
  const std::string long_name = R"({"service":")" + std::string(5000, 'w') + R"("})";
  for (const std::string body : {std::string(R"({"service":5})"), std::string(R"({"service":"web")"),
                                 std::string("[]"), std::string(), long_name,
                                 std::string(R"({"service":"../../etc"})")})
    CHECK(shoal::node::http_call_unix(sock, "POST", "/v1/promote", body, "", 5000).status == 400);
}
