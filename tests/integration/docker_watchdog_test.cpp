// Issue 14, item 6, against real Podman: the docker driver's orphan watchdog (`shoal watchdog`,
// node/runtime/orphan_watchdog.hpp). A peer frozen by SIGSTOP, or killed, has its containers
// removed within orphan_timeout plus a measured margin; after SIGCONT the peer carries on: it
// reports the instance ended, runs it again and starts a fresh watchdog. A peer restarted
// within orphan_timeout keeps (adopts) its container, and the old watchdog leaves it alone.
// One watchdog per data_dir. Skipped when podman is absent. Every process started here (the
// agent, its watchdogs) is killed by PID at the end, every container removed by its label.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "agent_binary.hpp"
#include "cluster.hpp"
#include "docker_containers.hpp"
#include "node/runtime/heartbeat_watch.hpp"
#include "node/runtime/orphan_watchdog.hpp"
#include "node/runtime/proc.hpp"
#include "tests/runtime/docker_fixture.hpp"

using shoal::runtime::watchdog_holder;
using shoal::runtime::WatchdogHolder;
using shoal::test::remove_containers;
using shoal::test::Cluster;
using shoal::test::read_text;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

extern char** environ;

namespace {

constexpr long kOrphanMs = 3000;  // orphan_timeout of these peers

const char* kIdle =
    "[service.idle]\n"
    "image = \"localhost/busybox:latest\"\n"
    "command = [\"/bin/busybox\", \"sleep\", \"100000\"]\n"
    "stop_grace = \"1s\"\n"
    "replicas = 1\n";

// Ids of the running containers labelled shoal.peer = peer.
std::set<std::string> running_ids(const std::string& sock, const std::string& peer) {
  Json f = {{"label", {"shoal.peer=" + peer}}};
  auto r = shoal::runtime::DockerApi(sock, 10000)
               .request("GET", "/containers/json?all=true&filters=" +
                                   shoal::runtime::url_encode(f.dump()));
  std::set<std::string> out;
  if (!r || r->status != 200) return out;
  Json j = Json::parse(r->body, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& c : j)
    if (c.is_object() && c.value("State", "") == "running") out.insert(c.value("Id", ""));
  return out;
}

// One peer on the docker driver with orphan_timeout = kOrphanMs. At the end: the agent and every
// watchdog seen are killed by PID, its containers removed.
struct Peer {
  explicit Peer(const std::string& sock) : sock(sock), c(1) {
    name = "dw" + std::to_string(::getpid()) + "-" + std::to_string(n_++);
    c.set_name(0, name);
    c.set_extra(0, "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
                   "runtime = { driver = \"docker\", socket = \"" + sock +
                       "\", orphan_timeout = \"" + std::to_string(kOrphanMs) + "ms\" }\n");
  }
  ~Peer() {
    c.kill9(0);
    for (const auto& w : seen)
      if (shoal::runtime::process_exists(w.pid, w.start_time)) ::kill(w.pid, SIGKILL);
    if (auto w = watchdog_holder(data())) ::kill(w->pid, SIGKILL);
    remove_containers(sock, name);
  }
  std::string data() { return c.peer(0).dir + "/data"; }
  // The watchdog holding the lock, once there is one other than `not_this` (bounded wait).
  std::optional<WatchdogHolder> watchdog(pid_t not_this = 0) {
    std::optional<WatchdogHolder> w;
    wait_until(10s, [&] {
      w = watchdog_holder(data());
      return w && w->pid != not_this;
    });
    if (w && w->pid != not_this) {
      seen.push_back(*w);
      return w;
    }
    return std::nullopt;
  }
  void start() {
    c.start(0);
    REQUIRE(wait_until(15s, [&] { return c.get(0, "/v1/status").has_value(); }));
  }
  static inline int n_ = 0;
  std::string sock, name;
  Cluster c;
  std::vector<WatchdogHolder> seen;
};

bool alive(const WatchdogHolder& w) { return shoal::runtime::process_matches(w.pid, w.start_time); }

long elapsed_ms(std::chrono::steady_clock::time_point t0) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - t0)
                               .count());
}

// Runs `shoal ARGS` with /dev/null as stdio for at most `limit`: its exit status, or -1 (then
// killed by its PID).
int run_bounded(const std::vector<std::string>& args, std::chrono::milliseconds limit) {
  std::vector<std::string> a{shoal_bin()};
  a.insert(a.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : a) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  for (int fd = 0; fd <= 2; ++fd)
    posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, shoal_bin(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -2;
  int status = 0;
  if (wait_until(limit, [&] { return ::waitpid(pid, &status, WNOHANG) == pid; }))
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  return -1;
}

// Starts the peer and its one `idle` container; returns the container's id.
std::string start_with_container(Peer& p) {
  p.start();
  std::ofstream(p.c.peer(0).dir + "/services/idle.toml") << kIdle;
  REQUIRE(wait_until(45s, [&] { return running_ids(p.sock, p.name).size() == 1; }));
  return *running_ids(p.sock, p.name).begin();
}

// How long after `t0` the peer's last running container went (bounded wait); -1 if it did not.
long gone_after(Peer& p, std::chrono::steady_clock::time_point t0) {
  if (!wait_until(std::chrono::milliseconds(kOrphanMs + 10000),
                  [&] { return running_ids(p.sock, p.name).empty(); }))
    return -1;
  return elapsed_ms(t0);
}

}  // namespace

TEST_CASE("docker: a frozen peer's containers are removed by its orphan watchdog, and after SIGCONT "
          "it reports the end, runs the instance again and starts a fresh watchdog",
          "[serial][integration][docker]") {
  SHOAL_REQUIRE_PODMAN();
  Peer p(podman_.socket);
  const std::string first = start_with_container(p);
  auto w1 = p.watchdog();
  REQUIRE(w1);

  // One per data_dir: a second watchdog for it exits at once and leaves the first in place.
  CHECK(run_bounded({"watchdog", "--data-dir", p.data(), "--peer", p.name, "--socket", p.sock,
                     "--orphan-timeout-ms", "3000"},
                    5s) == 0);
  auto still = watchdog_holder(p.data());
  REQUIRE(still);
  CHECK(still->pid == w1->pid);

  const auto t0 = std::chrono::steady_clock::now();
  shoal::test::signal_peer(p.c, 0, SIGSTOP);
  const long gone = gone_after(p, t0);
  WARN("SIGSTOP of the agent -> its container gone after " << gone << " ms (orphan_timeout "
       << kOrphanMs << " ms)");
  REQUIRE(gone >= 0);
  // Not before orphan_timeout less the heartbeat period (the last beat was <= 1 s before the
  // stop); within it plus two reads (heartbeat_check_every apart) and the engine's removal.
  CHECK(gone >= kOrphanMs - 1000);
  CHECK(gone <= kOrphanMs + 2 * shoal::runtime::heartbeat_check_every(kOrphanMs) + 2000);
  CHECK(wait_until(5s, [&] { return !alive(*w1); }));  // it acted and exited
  const std::string wlog = read_text(shoal::runtime::watchdog_log_path(p.data()));
  INFO(wlog);
  CHECK(wlog.find("removed idle[0] (" + first.substr(0, 12) + ")") != std::string::npos);
  CHECK(wlog.find("removed 1 container(s) of peer " + p.name + "; exiting") != std::string::npos);

  // Woken up: the peer carries on, reports the instance ended, runs it again, and a fresh
  // watchdog watches.
  shoal::test::signal_peer(p.c, 0, SIGCONT);
  CHECK(wait_until(15s, [&] {
    return read_text(p.c.peer(0).log).find("exited idle/0 (lost") != std::string::npos;
  }));
  auto w2 = p.watchdog(w1->pid);
  CHECK(w2);
  CHECK(wait_until(30s, [&] {
    auto ids = running_ids(p.sock, p.name);
    return ids.size() == 1 && !ids.count(first);
  }));
  CHECK(p.c.get(0, "/v1/status").has_value());
}

TEST_CASE("docker: a peer restarted within orphan_timeout keeps its container, a killed peer's "
          "container is removed by its watchdog",
          "[integration][docker]") {
  SHOAL_REQUIRE_PODMAN();
  Peer p(podman_.socket);
  const std::string first = start_with_container(p);
  auto w1 = p.watchdog();
  REQUIRE(w1);

  // kill -9 and a restart at once: the container is adopted, the old watchdog is replaced by a
  // fresh one and removes nothing, then nothing is removed for twice orphan_timeout.
  p.c.kill9(0);
  p.start();
  CHECK(wait_until(20s, [&] {
    return read_text(p.c.peer(0).log).find("(" + first + ") from a previous run") !=
           std::string::npos;
  }));
  auto w2 = p.watchdog(w1->pid);
  REQUIRE(w2);
  CHECK(wait_until(5s, [&] { return !alive(*w1); }));
  CHECK_FALSE(wait_until(std::chrono::milliseconds(2 * kOrphanMs), [&] {
    return running_ids(p.sock, p.name) != std::set<std::string>{first};
  }));
  const std::string wlog = read_text(shoal::runtime::watchdog_log_path(p.data()));
  INFO(wlog);
  CHECK(wlog.find("nothing removed") != std::string::npos);
  CHECK(wlog.find("removed idle") == std::string::npos);

  // kill -9 for good: the watchdog removes the container and exits.
  const auto t0 = std::chrono::steady_clock::now();
  p.c.kill9(0);
  const long gone = gone_after(p, t0);
  WARN("SIGKILL of the agent -> its container gone after " << gone << " ms (orphan_timeout "
       << kOrphanMs << " ms)");
  REQUIRE(gone >= 0);
  CHECK(gone >= kOrphanMs - 1000);
  CHECK(gone <= kOrphanMs + 2 * shoal::runtime::heartbeat_check_every(kOrphanMs) + 2000);
  CHECK(wait_until(5s, [&] { return !alive(*w2); }));
}
