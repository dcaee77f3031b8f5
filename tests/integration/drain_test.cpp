// SIGTERM drains (DESIGN.md "The peer"): the peer clears `schedulable`, its instances are handed
// to the other peers make-before-break, it stops its copies, leaves, and exits 0. Process
// driver, 3 peers, a 3-replica service; while the drained peer shuts down, the instance
// processes alive over all peers are sampled at every poll.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <set>
#include <thread>
#include <string>

#include "cluster.hpp"

using shoal::test::all_running;
using shoal::test::Cluster;
using shoal::test::read_text;
using shoal::test::start_all_ready;
using shoal::test::instance_alive;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

int live_instances_of(Cluster& c, const std::string& svc) {
  int n = 0;
  for (int i = 0; i < c.size(); ++i)
    for (const auto& r : c.instances(i)) n += r.labels.service == svc && instance_alive(r);
  return n;
}

// Distinct indices of `svc` with a live process, reading peer `first` before the others: an
// instance handed from `first` to another peer (started there before it stops here) is then
// seen on one side or the other, however slow the sampling is.
int live_indices(Cluster& c, const std::string& svc, int first) {
  std::set<int> seen;
  auto read = [&](int i) {
    for (const auto& r : c.instances(i))
      if (r.labels.service == svc && instance_alive(r)) seen.insert(r.labels.index);
  };
  read(first);
  for (int i = 0; i < c.size(); ++i)
    if (i != first) read(i);
  return static_cast<int>(seen.size());
}

int live_on(Cluster& c, int i) {
  int n = 0;
  for (const auto& r : c.instances(i)) n += instance_alive(r);
  return n;
}

}  // namespace

TEST_CASE("SIGTERM drains: the peer's instances run on the others before it exits",
          "[asan][integration][drain]") {
  Cluster c(3);
  // Every peer alive and ready first, so no first-moment handoff (a peer becoming ready takes
  // its share) overlaps the drain.
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/sleeper.toml")
      << "[service.sleeper]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 3\nstop_grace = \"1s\"\n";
  const std::set<std::string> everyone{"p0", "p1", "p2"};
  // Settled: every peer's `ps` shows 3 running, and each peer runs exactly the instances `ps`
  // gives it (no handoff of the first moments still on its way).
  auto settled = [&] {
    for (int i = 0; i < 3; ++i)
      if (!all_running(c, i, "sleeper", 3, everyone)) return false;
    auto j = c.get(0, "/v1/ps");
    if (!j) return false;
    for (int i = 0; i < 3; ++i) {
      int owned = 0;
      for (const auto& e : *j) owned += e["peer"] == c.peer(i).name;
      if (live_on(c, i) != owned) return false;
    }
    return live_instances_of(c, "sleeper") == 3;
  };
  REQUIRE(wait_until(30s, settled));
  // ... and stays so for a second: the drain is measured on a settled cluster, not on the
  // hand-overs of its first moments (peers become ready one after another).
  REQUIRE(wait_until(30s, [&] {
    for (int k = 0; k < 5; ++k) {
      if (!settled()) return false;
      std::this_thread::sleep_for(200ms);
    }
    return true;
  }));
  // A peer that runs instances (placement decides which: the seed too, if it must), and a
  // survivor to watch from.
  int victim = -1;
  for (int i = 2; i >= 0; --i)
    if (victim < 0 && live_on(c, i) > 0) victim = i;
  REQUIRE(victim >= 0);
  const int obs = victim == 0 ? 1 : 0;
  const std::string vname = c.peer(victim).name;

  ::kill(c.peer(victim).pid, SIGTERM);
  int status = 0;
  bool exited = false;
  int min_live = 3;
  // Sampled until the drained peer exits (bounded: drain <= 30 s, stop and leave a few more).
  wait_until(45s, [&] {
    if (::waitpid(c.peer(victim).pid, &status, WNOHANG) == c.peer(victim).pid) exited = true;
    min_live = std::min(min_live, live_indices(c, "sleeper", victim));
    return exited;
  });
  if (!exited) c.kill9(victim);
  REQUIRE(exited);
  c.peer(victim).pid = -1;
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  WARN("while " << vname << " drained, at least " << min_live
                << " of 3 instances had a live process at every poll");
  // Make-before-break: never fewer than the replicas at any poll. Placement moves only the
  // drained peer's instances (its two phases), and reading that peer first sees each of them
  // on one side of its hand-over or the other.
  CHECK(min_live >= 3);
  // Before it exited, its instance ran elsewhere and its own copy was stopped.
  CHECK(wait_until(5s, [&] { return live_on(c, victim) == 0; }));
  std::set<std::string> survivors = everyone;
  survivors.erase(vname);
  CHECK(wait_until(5s, [&] { return live_instances_of(c, "sleeper") == 3; }));
  CHECK(wait_until(10s, [&] {
    return all_running(c, obs, "sleeper", 3, survivors) && c.state_seen(obs, vname) == "left";
  }));
  // Each phase is logged: cleared, handed off, left.
  const std::string log = read_text(c.peer(victim).log);
  CHECK(log.find("SIGTERM: draining") != std::string::npos);
  CHECK(log.find("drain: drained: nothing runs here any more") != std::string::npos);
  CHECK(log.find("stopping sleeper/") != std::string::npos);
  CHECK(log.find("leaving the cluster") != std::string::npos);
}

TEST_CASE("SIGTERM with no other peer alive: no wait, instances stopped, exit 0",
          "[integration][drain]") {
  Cluster c(1);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  std::ofstream(c.peer(0).dir + "/services/solo.toml")
      << "[service.solo]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 1\nstop_grace = \"1s\"\n";
  REQUIRE(wait_until(30s, [&] { return live_on(c, 0) == 1; }));
  CHECK(c.terminate(0) == 0);
  CHECK(wait_until(5s, [&] { return live_on(c, 0) == 0; }));
  const std::string log = read_text(c.peer(0).log);
  CHECK(log.find("drain: no other peer is alive: not waiting") != std::string::npos);
}

TEST_CASE("SIGINT drains as SIGTERM does, and a second SIGINT quits at once with exit 0",
          "[integration][drain]") {
  Cluster c(1);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  // An instance that ignores SIGTERM with a long grace: the drain's stop phase waits it out
  // (up to 30 s), so only the second interrupt can end the peer quickly.
  std::ofstream(c.peer(0).dir + "/services/stubborn.toml")
      << "[service.stubborn]\ncommand = [\"sh\", \"-c\", \"trap '' TERM; while true; do sleep 1; "
         "done\"]\nreplicas = 1\nstop_grace = \"30s\"\n";
  REQUIRE(wait_until(30s, [&] { return live_on(c, 0) == 1; }));
  shoal::test::signal_peer(c, 0, SIGINT);
  REQUIRE(wait_until(10s, [&] {
    return read_text(c.peer(0).log).find("SIGINT: draining") != std::string::npos;
  }));
  CHECK(c.wait_exit(0, 1500ms) == -1);  // still draining: the instance ignores SIGTERM
  const auto second = std::chrono::steady_clock::now();
  shoal::test::signal_peer(c, 0, SIGINT);
  CHECK(c.wait_exit(0, 5s) == 0);
  CHECK(std::chrono::steady_clock::now() - second < 5s);
  CHECK(read_text(c.peer(0).log).find("second interrupt: quitting at once") != std::string::npos);
  c.kill_instances(0);  // what the peer left running (its supervisor would stop it as an orphan)
}
