// Measured usage across real peers: a process-driver instance on p0 whose child process is busy
// (its main process only waits: the child must be counted) shows cpu > 0 in p1's GET /v1/usage
// (measured on p0, gossiped as usage/p0), and `shoal top` prints it; an unreachable peer is
// exit 1. Peers measure every 300 ms here (SHOAL_USAGE_INTERVAL_MS).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>

#include "cluster.hpp"

using namespace shoal::test;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {
struct ScopedEnv {
  ScopedEnv(const char* k, const char* v) : key(k) { ::setenv(k, v, 1); }
  ~ScopedEnv() { ::unsetenv(key); }
  const char* key;
};

// p1's view of the busy instance on p0, when it shows cpu > 0.
bool busy_seen(Cluster& c, Json& usage) {
  auto u = c.get(1, "/v1/usage");
  if (!u || !u->is_object() || !(*u)["instances"].is_array()) return false;
  usage = *u;
  for (const auto& i : usage["instances"])
    if (i["service"] == "busy" && i["peer"] == c.peer(0).name && i["cpu_milli"].get<int>() > 0)
      return true;
  return false;
}
}  // namespace

TEST_CASE("usage: a busy instance on one peer shows cpu on another peer's /v1/usage",
          "[integration]") {
  ScopedEnv fast("SHOAL_USAGE_INTERVAL_MS", "300");
  Cluster c(2);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/busy.toml")
      << "[service.busy]\ncommand = [\"sh\", \"-c\", \"sh -c 'while :; do :; done' & wait\"]\n"
         "replicas = 1\n"
         "placement = { home = true }\nstop_grace = \"1s\"\n";
  Json usage;
  REQUIRE(wait_until(15s, [&] { return busy_seen(c, usage); }));
  INFO(usage.dump());
  REQUIRE(usage["peers"].size() == 2);
  for (const auto& p : usage["peers"]) {
    CHECK(p["cpu_capacity_milli"].get<int>() > 0);
    CHECK(p["memory_capacity_mib"].get<int>() > 0);
    CHECK(p["memory_mib"].get<int>() > 0);
    CHECK(p["agent_rss_mib"].get<int>() > 0);
    CHECK(p["age_ms"].get<int>() < 20000);
  }
  for (const auto& i : usage["instances"]) CHECK(i.contains("rss_mib"));

  auto [code, out] = c.cli({"top", "--once", "--api", api_addr(c, 1)});
  CHECK(code == 0);
  CHECK(out.find("busy") != std::string::npos);
  CHECK(out.find(c.peer(0).name) != std::string::npos);
  auto [jcode, jout] = c.cli({"top", "--json", "--api", api_addr(c, 1)});
  CHECK(jcode == 0);
  CHECK(Json::parse(jout, nullptr, false).contains("instances"));
  auto [down, dout] = c.cli({"top", "--once", "--api", "127.0.0.1:" + std::to_string(free_port())});
  CHECK(down == 1);
  CHECK(c.cli({"top", "--interval", "nope", "--api", api_addr(c, 1)}).first == 2);
}
