// Health shedding on 2 real peers (placement/health_shed.hpp): a 2-replica service whose health
// check fails only on p1 (it checks for a marker file in that peer's own folder) runs healthy
// on p0; p1 sheds its instance, which ends up running healthy on p0, and p1's event log says
// why (host.shed).
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <string>

#include "cluster.hpp"

using shoal::test::api_addr;
using shoal::test::Cluster;
using shoal::test::live_owners;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

// Whether `ps` on peer i shows web/0 and web/1 both healthy on `peer`.
bool both_healthy_on(Cluster& c, int i, const std::string& peer) {
  const Json ps = shoal::test::ps_json(c, i);
  if (!ps.is_array()) return false;
  int n = 0;
  for (const auto& row : ps)
    if (row.value("service", "") == "web" && row["peer"].is_string() && row["peer"] == peer &&
        row.value("state", "") == "healthy")
      ++n;
  return n == 2;
}

bool shed_event(Cluster& c, int i) {
  auto [code, out] = c.cli({"events", "--json", "--api", api_addr(c, i)});
  return code == 0 && out.find("\"host.shed\"") != std::string::npos &&
         out.find("\"service\":\"web\"") != std::string::npos;
}

}  // namespace

TEST_CASE("health shed: an instance failing its check on one host only moves to the other",
          "[integration][reschedule][shed]") {
  Cluster c(2);
  REQUIRE(start_all_ready(c));
  const auto t0 = std::chrono::steady_clock::now();
  std::ofstream(c.peer(1).dir + "/sick") << "this host cannot serve web\n";
  // The check fails where the peer's folder holds `sick`; healthy elsewhere, so p1 sheds after
  // 2 failures (attempts), at once (delay 0).
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n"
      << "env = { ROOT = \"" << c.root() << "\" }\n"
      << "health = { exec = [\"sh\", \"-c\", \"test ! -e \\\"$ROOT/$SHOAL_PEER/sick\\\"\"], "
         "interval = \"300ms\", timeout = \"250ms\", retries = 1 }\n"
      << "restart = { delay = \"100ms\", max_delay = \"100ms\", max_attempts = 50 }\n"
      << "reschedule = { attempts = 2, interval = \"10m\", delay = \"0s\" }\n"
      << "stop_grace = \"1s\"\n";
  const std::string p0 = c.peer(0).name;
  REQUIRE(wait_until(20s, [&] { return both_healthy_on(c, 0, p0) && both_healthy_on(c, 1, p0); }));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - t0);
  WARN("applied -> both instances healthy on " << p0 << " in " << took.count() << " ms");
  CHECK(wait_until(5s, [&] { return shed_event(c, 1); }));
  // p1 runs no copy of web any more; p0 runs each index once.
  CHECK(wait_until(5s, [&] {
    const auto live = live_owners(c, {0, 1}, "web");
    const std::vector<std::string> only_p0{p0};
    return live.size() == 2 && live.count(0) && live.at(0) == only_p0 && live.count(1) &&
           live.at(1) == only_p0;
  }));
}
