// `shoal ps` in a loop does not place once per request: a client hammers GET /v1/ps for 5 s on
// a peer whose view holds a 1,000-instance service over 3 peers; the peers stay alive members
// meanwhile (no suspicion, no refutation), and /v1/status stats.placements grows by a few at
// most (placement runs per view, shared by the reconciler and the API), then again once the
// membership changes.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"
#include "node/http.hpp"

using namespace shoal::test;
using namespace std::chrono_literals;

namespace {

std::uint64_t placements(Cluster& c, int i) {
  auto s = c.get(i, "/v1/status");
  if (!s || !s->contains("stats") || !(*s)["stats"].contains("placements")) return UINT64_MAX;
  return (*s)["stats"]["placements"].get<std::uint64_t>();
}

// name -> incarnation of every member as peer i sees it; a refuted suspicion raises one.
std::map<std::string, std::uint64_t> incarnations(Cluster& c, int i) {
  std::map<std::string, std::uint64_t> out;
  if (auto j = c.get(i, "/v1/members"); j && j->is_array())
    for (const auto& m : *j) out[m.value("name", "")] = m.value("incarnation", 0ULL);
  return out;
}

std::size_t big_unplaced(const nlohmann::json& ps) {
  std::size_t n = 0;
  if (!ps.is_array()) return 0;
  for (const auto& e : ps)
    n += e.value("service", "") == "big" && e.value("state", "") == "unplaced" &&
         e["peer"].is_null();
  return n;
}

}  // namespace

TEST_CASE("a GET /v1/ps loop places once per view and starves no gossip",
          "[serial][integration][api]") {
  Cluster c(3);
  const auto all = peers_upto(3);
  REQUIRE(start_all_ready(c));
  // 1,000 instances that no peer may run: placement ranks all of them on every call, and no
  // process is started (the machine stays quiet for the gossip under test).
  std::ofstream(c.peer(0).dir + "/services/big.toml")
      << "[service.big]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 1000\n"
      << "placement = { constraints = [\"zone == nowhere\"] }\n";
  REQUIRE(wait_until(20s, [&] {
    for (int i : all) {
      auto ps = c.get(i, "/v1/ps");
      if (!ps || big_unplaced(*ps) != 1000) return false;
    }
    return true;
  }));
  REQUIRE(see_all_alive(c, all, all));

  std::map<int, std::map<std::string, std::uint64_t>> inc_before;
  for (int i : all) inc_before[i] = incarnations(c, i);
  const std::uint64_t before = placements(c, 1);
  REQUIRE(before != UINT64_MAX);

  std::atomic<bool> stop{false};
  std::atomic<int> answered{0}, wrong{0};
  std::thread hammer([&] {
    while (!stop) {
      auto r = shoal::node::http_call("127.0.0.1", c.peer(1).api_port, "GET", "/v1/ps", "", "",
                                      3000);
      if (!r.ok || r.status != 200) {
        ++wrong;
        continue;
      }
      auto ps = nlohmann::json::parse(r.body, nullptr, false);
      if (big_unplaced(ps) == 1000) ++answered;
      else ++wrong;
    }
  });
  int not_alive = 0;  // member states seen by every peer, polled while the loop runs
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 5s) {
    if (!see_all_alive(c, all, all)) ++not_alive;
    std::this_thread::sleep_for(100ms);
  }
  stop = true;
  hammer.join();
  const std::uint64_t during = placements(c, 1) - before;
  WARN("GET /v1/ps answered " << answered << " times in 5 s (1,000 instances); placements "
                              << during);
  CHECK(answered >= 20);
  CHECK(wrong == 0);
  CHECK(not_alive == 0);
  CHECK(during <= 3);
  for (int i : all) CHECK(incarnations(c, i) == inc_before[i]);  // no suspicion refuted

  // A membership change places again (and the answers stay right).
  const std::uint64_t settled = placements(c, 1);
  c.kill9(2);
  REQUIRE(wait_until(30s, [&] { return c.state_seen(1, "p2") == "dead"; }));
  auto ps = c.get(1, "/v1/ps");
  REQUIRE(ps);
  CHECK(big_unplaced(*ps) == 1000);
  const std::uint64_t after = placements(c, 1);
  CHECK(after > settled);
  CHECK(after - settled <= 6);  // suspect, then dead: a few views, not one per request
}
