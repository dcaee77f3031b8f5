// Two peers' folders define the same service name: the newer edit is in force everywhere, and
// `shoal status` on the peer whose edit lost reports the conflict with both origins.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::peers_upto;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

// The replicas of `svc` as peer i's `services` lists it (-1 when absent).
int replicas_seen(Cluster& c, int i, const std::string& svc) {
  auto j = c.get(i, "/v1/services");
  if (!j || !j->is_array()) return -1;
  for (const auto& s : *j) {
    if (s.value("name", "") == svc) return s.value("replicas", -1);
  }
  return -1;
}

}  // namespace

TEST_CASE("the same service in two peers' folders: the newer edit wins, status shows the conflict",
          "[integration]") {
  Cluster c(2);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 1\n";
  REQUIRE(wait_until(10s, [&] { return replicas_seen(c, 1, "web") == 1; }));
  std::this_thread::sleep_for(50ms);  // a later wall-clock edit on the other peer
  std::ofstream(c.peer(1).dir + "/services/web.toml")
      << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n";
  REQUIRE(wait_until(10s, [&] {
    return replicas_seen(c, 0, "web") == 2 && replicas_seen(c, 1, "web") == 2;
  }));

  nlohmann::json conflicts;
  REQUIRE(wait_until(5s, [&] {
    auto st = c.get(0, "/v1/status");
    if (!st) return false;
    conflicts = (*st)["conflicts"];
    return conflicts.size() == 1;
  }));
  CHECK(conflicts[0]["service"] == "web");
  CHECK(conflicts[0]["origins"] == nlohmann::json::array({c.peer(0).name, c.peer(1).name}));
  CHECK(conflicts[0]["in_force"] == c.peer(1).name);
  auto st1 = c.get(1, "/v1/status");
  REQUIRE(st1);
  CHECK((*st1)["conflicts"].empty());  // its own edit is in force
  auto [code, out] =
      c.cli({"status", "--api", "127.0.0.1:" + std::to_string(c.peer(0).api_port)});
  CHECK(code == 0);
  CHECK(out.find("conflict:   service web") != std::string::npos);
}
