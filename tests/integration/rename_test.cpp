// Issue 14, item 5: a peer's identity survives renames. A peer records its name in
// data_dir/name; started under another name it refuses (exit 1) and touches nothing; with
// --rename it stops the old name's instances, placement starts them afresh under the new name,
// and each index runs exactly once cluster-wide. Instances of a name the peer does not own
// are reported (log, /v1/status foreign_instances), never silently left running.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"

using shoal::test::agreed_running;
using shoal::test::Cluster;
using shoal::test::instance_alive;
using shoal::test::live_owners;
using shoal::test::once_each;
using shoal::test::peers_upto;
using shoal::test::read_text;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

const std::string kExtra = "gossip = { profile = \"fast\", join_grace = \"1s\" }\n";

// pid -> peer label of peer i's live instance processes of `svc`.
std::map<std::int64_t, std::string> live_labels(Cluster& c, int i, const std::string& svc) {
  std::map<std::int64_t, std::string> out;
  for (const auto& r : c.instances(i))
    if (r.labels.service == svc && instance_alive(r)) out[r.pid] = r.labels.peer;
  return out;
}

// Starts 3 peers and 4 instances of `svc` (at most 2 a peer); returns a peer other than 0 (the
// seed) that runs some, and its name.
int start_with_instances(Cluster& c, const std::string& svc) {
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/" + svc + ".toml")
      << "[service." << svc << "]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 4\n"
      << "stop_grace = \"1s\"\nplacement = { max_per_peer = 2 }\n";
  std::map<int, std::string> placed;
  REQUIRE(wait_until(30s, [&] {
    auto m = agreed_running(c, peers_upto(3), svc, 4);
    if (m) placed = *m;
    return m.has_value();
  }));
  REQUIRE(wait_until(5s, [&] { return once_each(live_owners(c, peers_upto(3), svc), 4); }));
  for (const auto& [idx, peer] : placed)
    if (peer != c.peer(0).name) return peer[1] - '0';
  FAIL("every instance is on the seed peer despite max_per_peer = 2");
  return -1;
}

}  // namespace

TEST_CASE("rename: another name refuses (exit 1, both names, the fix), --rename takes over",
          "[integration][e2e]") {
  Cluster c(3);
  const int v = start_with_instances(c, "rn");
  const std::string old_name = c.peer(v).name;
  REQUIRE(read_text(c.peer(v).dir + "/data/name") == old_name + "\n");
  const auto before = live_labels(c, v, "rn");
  REQUIRE_FALSE(before.empty());

  // The host is renamed: the agent dies (its instances keep running) and comes back as `moved`.
  c.kill9(v);
  c.set_name(v, "moved");
  c.set_extra(v, kExtra);
  const auto log_size = read_text(c.peer(v).log).size();
  c.start(v);
  CHECK(c.wait_exit(v, 15s) == 1);
  const std::string said = read_text(c.peer(v).log).substr(log_size);
  INFO(said);
  CHECK(said.find("`" + old_name + "`") != std::string::npos);
  CHECK(said.find("`moved`") != std::string::npos);
  CHECK(said.find(c.peer(v).dir + "/data/name") != std::string::npos);
  CHECK(said.find("--rename") != std::string::npos);
  // Untouched: the same processes, still labelled with the old name, and the file unchanged.
  CHECK(live_labels(c, v, "rn") == before);
  CHECK(read_text(c.peer(v).dir + "/data/name") == old_name + "\n");

  // With --rename: the old name's copies end, and each index runs exactly once, cluster-wide,
  // under names the cluster knows (the old one is gone from placement).
  const auto t0 = std::chrono::steady_clock::now();
  c.start(v, {"--rename"});
  const auto all = peers_upto(3);
  std::map<int, std::string> placed;
  const bool settled = wait_until(40s, [&] {
    for (const auto& [pid, label] : live_labels(c, v, "rn"))
      if (label == old_name) return false;
    auto m = agreed_running(c, all, "rn", 4);
    if (!m) return false;
    for (const auto& [idx, peer] : *m)
      if (peer == old_name) return false;
    placed = *m;
    return once_each(live_owners(c, all, "rn"), 4);
  });
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  WARN("--rename: old copies ended and every index ran once after " << took.count() << " ms");
  REQUIRE(settled);
  for (const auto& [pid, label] : live_labels(c, v, "rn")) CHECK(label == "moved");
  // None of the old processes survived.
  for (const auto& [pid, label] : before) CHECK(live_labels(c, v, "rn").count(pid) == 0);
  CHECK(read_text(c.peer(v).dir + "/data/name") == "moved\n");
  auto st = c.get(v, "/v1/status");
  REQUIRE(st);
  CHECK((*st)["name"] == "moved");
  CHECK((*st)["foreign_instances"].empty());
  // Stable: for two more seconds nothing runs twice.
  for (int k = 0; k < 8; ++k) {
    CHECK(once_each(live_owners(c, all, "rn"), 4));
    std::this_thread::sleep_for(250ms);
  }
  // And a later restart under the new name needs no flag.
  c.kill9(v);
  c.start(v);
  CHECK(wait_until(15s, [&] { return c.get(v, "/v1/status").has_value(); }));
}

TEST_CASE("rename: instances of a name the peer does not own are reported, not left silent",
          "[integration][e2e]") {
  Cluster c(3);
  const int v = start_with_instances(c, "fr");
  const std::string old_name = c.peer(v).name;
  const auto before = live_labels(c, v, "fr");
  REQUIRE_FALSE(before.empty());
  // A data_dir from before data_dir/name existed (or whose file was lost): nothing says the
  // peer ran as `old_name`, so it starts as `other` and must report what it does not own.
  c.kill9(v);
  REQUIRE(std::remove((c.peer(v).dir + "/data/name").c_str()) == 0);
  c.set_name(v, "other");
  c.set_extra(v, kExtra);
  const auto log_size = read_text(c.peer(v).log).size();
  c.start(v);
  std::optional<nlohmann::json> st;
  REQUIRE(wait_until(15s, [&] {
    st = c.get(v, "/v1/status");
    return st.has_value();
  }));
  const auto& f = (*st)["foreign_instances"];
  REQUIRE(f.size() == before.size());
  for (const auto& x : f) {
    CHECK(x["peer"] == old_name);
    CHECK(x["service"] == "fr");
    CHECK(before.count(x["pid"].get<std::int64_t>()) == 1);
  }
  const std::string said = read_text(c.peer(v).log).substr(log_size);
  INFO(said);
  CHECK(said.find("foreign instance") != std::string::npos);
  CHECK(said.find("`" + old_name + "`") != std::string::npos);
}

TEST_CASE("rename: a home service follows its peer to the new name and runs there once",
          "[integration][e2e]") {
  Cluster c(3);
  const auto all = peers_upto(3);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(1).dir + "/services/hm.toml")
      << "[service.hm]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\nstop_grace = \"1s\"\n"
      << "placement = { home = true }\n";
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, all, "hm", 2, {1}).has_value(); }));
  c.kill9(1);
  c.set_name(1, "moved");
  c.set_extra(1, kExtra);
  const auto t0 = std::chrono::steady_clock::now();
  c.start(1, {"--rename"});
  // The spec is published again with home_peer = "moved" (its content changed), so both
  // instances come back to peer 1 under its new name, each once, none under the old one.
  const bool home = wait_until(40s, [&] {
    auto live = live_owners(c, all, "hm");
    if (!agreed_running(c, all, "hm", 2, {1}) || !once_each(live, 2)) return false;
    for (const auto& [pid, label] : live_labels(c, 1, "hm"))
      if (label != "moved") return false;
    return live[0][0] == "moved" && live[1][0] == "moved";
  });
  WARN("--rename of a home service's peer: back home, once each, after "
       << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0).count()
       << " ms");
  CHECK(home);
}
