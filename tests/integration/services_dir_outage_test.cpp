// A services folder that cannot be read for a moment (renamed away, not yet mounted at start)
// is no evidence that its services were removed: the spec is never tombstoned and no instance
// is stopped anywhere (issue 14 item 1), through real agents.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::live_owners;
using shoal::test::once_each;
using shoal::test::peers_upto;
using shoal::test::ps_json;
using shoal::test::read_text;
using shoal::test::running_map;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

// The web instance processes of the cluster, as (record id, pid), over both peers' records.
std::set<std::pair<std::string, std::int64_t>> web_processes(Cluster& c) {
  std::set<std::pair<std::string, std::int64_t>> out;
  for (int i = 0; i < c.size(); ++i) {
    for (const auto& r : c.instances(i)) {
      if (r.labels.service == "web" && shoal::test::instance_alive(r)) out.insert({r.id, r.pid});
    }
  }
  return out;
}

// Samples peer 1's view for `how_long`: the spec is there and both instances run, each once.
// Returns the number of samples that saw anything else.
int bad_samples(Cluster& c, std::chrono::milliseconds how_long) {
  int bad = 0;
  const auto end = std::chrono::steady_clock::now() + how_long;
  while (std::chrono::steady_clock::now() < end) {
    auto services = c.get(1, "/v1/services");
    bool spec = false;
    if (services) {
      for (const auto& s : *services) spec |= s["name"] == "web";
    }
    auto running = running_map(ps_json(c, 1), "web");
    if (!spec || !running || running->size() != 2 ||
        !once_each(live_owners(c, peers_upto(2), "web"), 2)) {
      ++bad;
    }
    std::this_thread::sleep_for(100ms);
  }
  return bad;
}

bool status_errors_mention(Cluster& c, int i, const std::string& what) {
  auto st = c.get(i, "/v1/status");
  if (!st) return false;
  for (const auto& e : (*st)["errors"]) {
    if (e.is_string() && e.get<std::string>().find(what) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("services_dir: renamed away for 2.5 s, or missing at start, erases nothing",
          "[integration][e2e]") {
  Cluster c(2);
  const auto all = peers_upto(2);
  REQUIRE(start_all_ready(c));
  const std::string dir = c.peer(0).dir + "/services";
  std::ofstream(dir + "/web.toml") << "[service.web]\ncommand = [\"sleep\", \"1000\"]\n"
                                      "replicas = 2\n";
  REQUIRE(wait_until(30s, [&] {
    auto r = running_map(ps_json(c, 1), "web");
    return r && r->size() == 2 && once_each(live_owners(c, all, "web"), 2);
  }));
  const auto processes = web_processes(c);
  REQUIRE(processes.size() == 2);

  // Renamed away for 2.5 s (an editor, a remount): two or three failed scans on peer 0.
  std::filesystem::rename(dir, dir + ".away");
  CHECK(bad_samples(c, 2500ms) == 0);
  CHECK(status_errors_mention(c, 0, dir + ": cannot list services_dir"));
  std::filesystem::rename(dir + ".away", dir);
  CHECK(bad_samples(c, 2500ms) == 0);
  CHECK(wait_until(5s, [&] {
    auto st = c.get(0, "/v1/status");
    return st && (*st)["errors"].empty();
  }));
  CHECK(web_processes(c) == processes);  // never stopped, never restarted

  // Missing when the agent starts (volume not mounted yet): an error in status, no erase.
  c.kill9(0);  // the agent only: its instance keeps running
  std::filesystem::rename(dir, dir + ".away");
  c.start(0);
  REQUIRE(wait_until(20s, [&] { return status_errors_mention(c, 0, dir + ": cannot list"); }));
  REQUIRE(wait_until(30s, [&] { return shoal::test::see_all_alive(c, all, all); }));
  CHECK(bad_samples(c, 3000ms) == 0);  // the old agent erased spec/web at its first scan
  CHECK(status_errors_mention(c, 0, dir + ": cannot list"));
  std::filesystem::rename(dir + ".away", dir);
  CHECK(bad_samples(c, 2500ms) == 0);
  CHECK(read_text(c.peer(0).log).find("spec/web erased") == std::string::npos);
}
