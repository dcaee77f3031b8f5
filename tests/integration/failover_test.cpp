// Desired state through gossip and failover with real processes: a 3-replica process service
// written into one peer's services_dir runs exactly once per instance across 3 peers, `shoal ps`
// agrees on every peer; a host death (kill -9 of a peer AND its instances' supervisors and
// process groups) moves its instances to the survivors. The failover time is reported (WARN).
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "cluster.hpp"

using shoal::test::all_running;
using shoal::test::Cluster;
using shoal::test::start_all_ready;
using shoal::test::instance_alive;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

std::string api_of(Cluster& c, int i) { return "127.0.0.1:" + std::to_string(c.peer(i).api_port); }

// `shoal ps --json` on peer i; null when it failed.
Json ps(Cluster& c, int i) {
  auto [code, out] = c.cli({"ps", "--json", "--api", api_of(c, i)});
  if (code != 0) return Json();
  Json j = Json::parse(out, nullptr, false);
  return j.is_discarded() ? Json() : j;
}

// Live instance processes of `svc` by index, over the given peers' process-driver records.
std::map<int, std::vector<std::string>> live_by_index(Cluster& c, const std::vector<int>& peers,
                                                     const std::string& svc) {
  std::map<int, std::vector<std::string>> out;
  for (int i : peers) {
    for (const auto& r : c.instances(i)) {
      if (r.labels.service == svc && instance_alive(r)) {
        out[r.labels.index].push_back(r.labels.peer);
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("3 peers run a 3-replica service once per instance, and fail over a host death",
          "[asan][integration]") {
  Cluster c(3);
  // Every peer alive and ready (join_grace) before the service exists: otherwise instances
  // first placed on the ready ones move when the last one becomes ready, and the checks below
  // would catch that handoff half-way (specs arrive in milliseconds).
  REQUIRE(start_all_ready(c));

  // The service is defined in p0's folder only: the others learn it through gossip.
  std::ofstream(c.peer(0).dir + "/services/sleeper.toml")
      << "[service.sleeper]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 3\n";
  const std::set<std::string> everyone{"p0", "p1", "p2"};
  REQUIRE(wait_until(30s, [&] {
    for (int i = 0; i < 3; ++i)
      if (!all_running(c, i, "sleeper", 3, everyone)) return false;
    return true;
  }));
  // `ps` agrees on every peer (once gossip has settled: views may differ for a moment).
  Json first;
  CHECK(wait_until(10s, [&] {
    first = ps(c, 0);
    return first.size() == 3 && ps(c, 1) == first && ps(c, 2) == first;
  }));
  // `services` on another peer than the one holding the file.
  {
    auto [code, out] = c.cli({"services", "--json", "--api", api_of(c, 2)});
    REQUIRE(code == 0);
    Json s = Json::parse(out);
    REQUIRE(s.size() == 1);
    CHECK(s[0]["name"] == "sleeper");
    CHECK(s[0]["replicas"] == 3);
    CHECK(s[0]["running"] == 3);
  }
  // Each instance runs on exactly one peer, the one `ps` names (the driver's records).
  auto live = live_by_index(c, {0, 1, 2}, "sleeper");
  REQUIRE(live.size() == 3);
  for (const auto& [idx, owners] : live) {
    REQUIRE(owners.size() == 1);
    for (const auto& e : first) {
      if (e["index"] == idx) CHECK(e["peer"] == owners[0]);
    }
  }

  // Host death of a peer that owns an instance (not the seed p0 when possible).
  int victim = -1;
  for (const auto& [idx, owners] : live) {
    int i = owners[0][1] - '0';
    if (victim < 0 || (victim == 0 && i != 0)) victim = i;
  }
  REQUIRE(victim >= 0);
  std::vector<int> survivors;
  std::set<std::string> survivor_names;
  for (int i = 0; i < 3; ++i) {
    if (i != victim) {
      survivors.push_back(i);
      survivor_names.insert(c.peer(i).name);
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  c.kill9(victim);
  c.kill_instances(victim);
  // Gone once init has reaped them (a killed process stays in /proc as a zombie until then).
  CHECK(wait_until(5s, [&] { return live_by_index(c, {victim}, "sleeper").empty(); }));
  const bool moved = wait_until(30s, [&] {
    for (int i : survivors)
      if (!all_running(c, i, "sleeper", 3, survivor_names)) return false;
    return true;
  });
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  WARN("failover after kill -9 of " << c.peer(victim).name << ": " << ms
                                    << " ms until `ps` on every survivor shows 3 running");
  REQUIRE(moved);
  auto after = live_by_index(c, survivors, "sleeper");
  REQUIRE(after.size() == 3);
  for (const auto& [idx, owners] : after) CHECK(owners.size() == 1);
}
