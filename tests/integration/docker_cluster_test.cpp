// Real peers on the docker driver against Podman's Docker API (scripts/podman-setup): a 4-peer
// loopback cluster runs a 3-replica busybox httpd service with max_per_peer = 1, each instance
// answers on the host port `ps` reports; a restarted peer adopts its running container (none
// created twice); host death of a peer (kill -9 and removal of its containers) brings its
// instance back on the fourth peer. A peer whose engine socket does not exist reports it in
// /v1/status, is not schedulable, keeps gossiping, and its share runs elsewhere.
// Skipped (with the reason printed) when podman is not installed. Every container is removed
// by its shoal.peer label at the end; peer names carry this process's PID.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster.hpp"
#include "docker_containers.hpp"
#include "tests/skip.hpp"
#include "node/http.hpp"
#include "node/runtime/docker_api.hpp"

using shoal::test::containers_of;
using shoal::test::remove_containers;
using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

bool podman_installed() {
  return std::system("command -v podman >/dev/null 2>&1") == 0;
}

bool pings(const std::string& sock) {
  auto r = shoal::runtime::DockerApi(sock, 2000).request("GET", "/_ping");
  return r && r->status == 200;
}

std::string repo_root() {
  std::string f = __FILE__;  // .../tests/integration/docker_cluster_test.cpp
  for (int i = 0; i < 3; ++i) f = f.substr(0, f.rfind('/'));
  return f;
}

// The engine socket, or "" with `why` (skip) / `failed` (podman there but unusable). Runs
// scripts/podman-setup once when the socket does not answer; never stops the service (other
// tests share it).
struct Engine {
  std::string socket, why;
  bool failed = false;
};
const Engine& engine() {
  static Engine e = [] {
    Engine x;
    const std::string sock = env_or("SHOAL_PODMAN_SOCK", "/tmp/shoal-podman.sock");
    if (pings(sock)) {
      x.socket = sock;
      return x;
    }
    if (!podman_installed()) {
      x.why = "podman is not installed and unix://" + sock +
              " does not answer: docker cluster tests skipped (run scripts/podman-setup)";
      return x;
    }
    const std::string cmd = repo_root() + "/scripts/podman-setup >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0 || !pings(sock)) {
      x.why = "podman is installed but scripts/podman-setup did not bring up unix://" + sock;
      x.failed = true;
      return x;
    }
    x.socket = sock;
    return x;
  }();
  return e;
}

#define REQUIRE_ENGINE()                   \
  const Engine& eng = engine();            \
  if (eng.socket.empty()) {                \
    if (eng.failed) FAIL(eng.why);         \
    SHOAL_SKIP(eng.why, true);             \
  }

// Every container (any state) labelled shoal.peer = peer.
// A cluster of peers on the docker driver with names of their own; removes their containers
// when it ends (after the Cluster has killed the peers).
struct DockerCluster {
  DockerCluster(int n, const std::string& sock, const std::map<int, std::string>& bad_socket = {})
      : sock_(sock), c(n) {
    for (int i = 0; i < n; ++i) {
      c.set_name(i, "dk" + std::to_string(::getpid()) + "-" + std::to_string(i));
      auto it = bad_socket.find(i);
      c.set_extra(i, "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
                     "runtime = { driver = \"docker\", socket = \"" +
                         (it == bad_socket.end() ? sock : it->second) + "\" }\n");
    }
  }
  ~DockerCluster() {
    for (int i = 0; i < c.size(); ++i) c.kill9(i);
    for (int i = 0; i < c.size(); ++i) remove_containers(sock_, c.peer(i).name);
  }
  std::string sock_;
  Cluster c;
};

void start_all(Cluster& c) {
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  for (int i = 1; i < c.size(); ++i) c.start(i);
  REQUIRE(wait_until(20s, [&] {
    for (int i = 0; i < c.size(); ++i)
      for (int k = 0; k < c.size(); ++k)
        if (c.state_seen(i, c.peer(k).name) != "alive") return false;
    return true;
  }));
}

// busybox httpd answering its peer's name (SHOAL_PEER, set by the driver) at /.
const char* kWebService =
    "[service.web]\n"
    "image = \"localhost/busybox:latest\"\n"
    "command = [\"/bin/sh\", \"-c\", \"/bin/busybox mkdir -p /www && echo $SHOAL_PEER > "
    "/www/index.html && exec /bin/busybox httpd -f -p 8080 -h /www\"]\n"
    "ports = { http = 8080 }\n"
    "placement = { max_per_peer = 1 }\n"
    "stop_grace = \"1s\"\n";

// ps rows of `svc` on peer i (empty when unreachable).
std::vector<Json> rows(Cluster& c, int i, const std::string& svc) {
  std::vector<Json> out;
  auto j = c.get(i, "/v1/ps");
  if (!j || !j->is_array()) return out;
  for (const auto& e : *j)
    if (e.value("service", "") == svc) out.push_back(e);
  return out;
}

// `n` rows of `svc`, all running on distinct peers of `allowed`, each with an http host port.
bool running_on(Cluster& c, int i, const std::string& svc, std::size_t n,
                const std::set<std::string>& allowed) {
  auto rs = rows(c, i, svc);
  if (rs.size() != n) return false;
  std::set<std::string> peers;
  for (const auto& r : rs) {
    if (r.value("state", "") != "running" || !r["peer"].is_string()) return false;
    if (!allowed.count(r["peer"].get<std::string>())) return false;
    if (!r["host_ports"].contains("http")) return false;
    peers.insert(r["peer"].get<std::string>());
  }
  return peers.size() == n;
}

// GET / on 127.0.0.1:port answers 200 with `body` (plus a newline).
bool answers(std::uint16_t port, const std::string& body) {
  auto r = shoal::node::http_call("127.0.0.1", port, "GET", "/", "", "", 2000);
  return r.ok && r.status == 200 && r.body == body + "\n";
}

bool all_answer(Cluster& c, int i, const std::string& svc) {
  for (const auto& r : rows(c, i, svc)) {
    if (!answers(r["host_ports"]["http"].get<std::uint16_t>(), r["peer"].get<std::string>())) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("docker: 4 peers run a 3-replica httpd, adopt after a restart, fail over a host death",
          "[integration][docker]") {
  REQUIRE_ENGINE();
  DockerCluster dc(4, eng.socket);
  Cluster& c = dc.c;
  start_all(c);
  std::set<std::string> everyone;
  for (int i = 0; i < 4; ++i) everyone.insert(c.peer(i).name);

  std::ofstream(c.peer(0).dir + "/services/web.toml") << kWebService << "replicas = 3\n";
  REQUIRE(wait_until(45s, [&] { return running_on(c, 0, "web", 3, everyone); }));
  // Each instance answers on the host port its owner reports, with its owner's name.
  CHECK(wait_until(10s, [&] { return all_answer(c, 0, "web"); }));
  std::map<std::string, std::uint16_t> port_of;
  for (const auto& r : rows(c, 0, "web")) {
    port_of[r["peer"].get<std::string>()] = r["host_ports"]["http"].get<std::uint16_t>();
  }
  REQUIRE(port_of.size() == 3);
  // One container per running peer, none for the idle one (once copies started while the
  // peers' first views differed have been handed off and removed).
  int idle = -1;
  for (int i = 0; i < 4; ++i)
    if (!port_of.count(c.peer(i).name)) idle = i;
  REQUIRE(idle >= 0);
  CHECK(wait_until(15s, [&] {
    for (int i = 0; i < 4; ++i) {
      const auto n = containers_of(eng.socket, c.peer(i).name).size();
      if (n != (port_of.count(c.peer(i).name) ? 1u : 0u)) return false;
    }
    return true;
  }));

  // Restart of a running peer (kill -9, its container left running, started again at once):
  // it adopts that container instead of creating another; once settled, every instance has
  // exactly one container in the engine. (While the restarted peer is not ready yet, for
  // join_grace, placement may hand its instance to another peer and back: make-before-break.)
  int restarted = -1;
  for (int i = 1; i < 4 && restarted < 0; ++i)
    if (i != idle) restarted = i;
  REQUIRE(restarted > 0);
  const std::string rname = c.peer(restarted).name;
  auto before = containers_of(eng.socket, rname);
  REQUIRE(before.size() == 1);
  const std::string id_before = before[0]["Id"];
  c.kill9(restarted);
  c.start(restarted);
  REQUIRE(wait_until(20s, [&] { return c.get(restarted, "/v1/status").has_value(); }));
  CHECK(wait_until(20s, [&] {
    std::ifstream f(c.peer(restarted).log);
    std::string log((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return log.find("(" + id_before + ") from a previous run") != std::string::npos;
  }));
  auto per_index = [&] {
    std::map<std::string, int> n;
    for (int i = 0; i < 4; ++i)
      for (const auto& ct : containers_of(eng.socket, c.peer(i).name))
        ++n[ct["Labels"].value("shoal.index", "?")];
    return n;
  };
  CHECK(wait_until(30s, [&] {
    if (!running_on(c, restarted, "web", 3, everyone)) return false;
    auto n = per_index();
    return n.size() == 3 && n["0"] == 1 && n["1"] == 1 && n["2"] == 1;
  }));

  // Host death of a running peer other than the seed: kill -9 and removal of its containers.
  int victim = -1;
  for (int i = 1; i < 4 && victim < 0; ++i)
    if (i != idle && i != restarted) victim = i;
  if (victim < 0) victim = restarted;
  std::set<std::string> survivors = everyone;
  survivors.erase(c.peer(victim).name);
  const auto t0 = std::chrono::steady_clock::now();
  c.kill9(victim);
  remove_containers(eng.socket, c.peer(victim).name);
  const bool moved = wait_until(30s, [&] { return running_on(c, 0, "web", 3, survivors); });
  WARN("docker failover after host death of " << c.peer(victim).name << ": "
       << std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - t0).count()
       << " ms until `ps` shows 3 running on the survivors");
  REQUIRE(moved);
  // The instance came back on the formerly idle peer, and it answers there.
  bool on_idle = false;
  for (const auto& r : rows(c, 0, "web")) on_idle |= r["peer"] == c.peer(idle).name;
  CHECK(on_idle);
  CHECK(wait_until(10s, [&] { return all_answer(c, 0, "web"); }));
  CHECK(containers_of(eng.socket, c.peer(idle).name).size() == 1);
}

TEST_CASE("docker: a peer whose engine socket is missing says so, is not schedulable, gossips on",
          "[integration][docker]") {
  REQUIRE_ENGINE();
  const std::string missing = "/tmp/shoal-no-such-engine-" + std::to_string(::getpid()) + ".sock";
  DockerCluster dc(3, eng.socket, {{2, missing}});
  Cluster& c = dc.c;
  start_all(c);
  const std::string bad = c.peer(2).name;
  // Its own status: the runtime is unavailable, with the socket and the engine's error.
  REQUIRE(wait_until(15s, [&] {
    auto s = c.get(2, "/v1/status");
    return s && (*s)["runtime"].value("checked", false) &&
           !(*s)["runtime"].value("available", true);
  }));
  auto s = c.get(2, "/v1/status");
  REQUIRE(s);
  CHECK((*s)["runtime"]["driver"] == "docker");
  CHECK((*s)["runtime"]["socket"] == missing);
  CHECK((*s)["runtime"]["error"].get<std::string>().find(missing) != std::string::npos);
  CHECK((*s)["schedulable"] == false);
  // The others see it not schedulable, and alive.
  CHECK(wait_until(10s, [&] {
    auto o = c.get(0, "/v1/status");
    if (!o) return false;
    for (const auto& n : (*o)["unschedulable"])
      if (n == bad) return true;
    return false;
  }));
  // The service runs on the two usable peers only (max_per_peer = 1, 2 replicas).
  std::ofstream(c.peer(0).dir + "/services/web.toml") << kWebService << "replicas = 2\n";
  const std::set<std::string> good{c.peer(0).name, c.peer(1).name};
  REQUIRE(wait_until(45s, [&] { return running_on(c, 0, "web", 2, good); }));
  CHECK(wait_until(10s, [&] { return all_answer(c, 0, "web"); }));
  CHECK(containers_of(eng.socket, bad).empty());
  // It keeps gossiping: alive on every peer, and it sees the service's instances too.
  CHECK(c.state_seen(0, bad) == "alive");
  CHECK(c.state_seen(1, bad) == "alive");
  CHECK(wait_until(10s, [&] { return running_on(c, 2, "web", 2, good); }));
}

TEST_CASE("docker: a container killed behind the peer's back is restarted, a failing health "
          "check makes an instance unhealthy and restarts it",
          "[integration][docker]") {
  REQUIRE_ENGINE();
  DockerCluster dc(1, eng.socket);
  Cluster& c = dc.c;
  start_all(c);
  const std::string me = c.peer(0).name;
  // `web` passes its http check; `sick` asks for a page its httpd does not have (404).
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << kWebService << "replicas = 1\n"
      << "restart = { condition = \"any\", delay = \"1s\" }\n"
      << "health = { http = \"/\", port = \"http\", interval = \"1s\", timeout = \"900ms\", "
         "retries = 2 }\n";
  std::string sick = kWebService;
  sick.replace(sick.find("[service.web]"), 13, "[service.sick]");
  std::ofstream(c.peer(0).dir + "/services/sick.toml")
      << sick << "replicas = 1\n"
      << "restart = { condition = \"any\", delay = \"1s\" }\n"
      << "health = { http = \"/healthz\", port = \"http\", interval = \"1s\", timeout = \"900ms\", "
         "retries = 2 }\n";

  auto row = [&](const std::string& svc) {
    auto rs = rows(c, 0, svc);
    return rs.size() == 1 ? rs[0] : Json::object();
  };
  auto running_ids = [&](const std::string& svc) {
    std::set<std::string> ids;
    for (const auto& k : containers_of(eng.socket, me)) {
      if (k.value("State", "") == "running" && k["Labels"].value("shoal.service", "") == svc) {
        ids.insert(k["Id"].get<std::string>());
      }
    }
    return ids;
  };
  REQUIRE(wait_until(30s, [&] { return row("web").value("state", "") == "healthy"; }));
  const auto first = running_ids("web");
  REQUIRE(first.size() == 1);

  // Killed behind the peer's back (as `docker kill` does): noticed, restarted per policy, healthy.
  auto r = shoal::runtime::DockerApi(eng.socket, 10000)
               .request("POST", "/containers/" + *first.begin() + "/kill?signal=SIGKILL");
  REQUIRE(r);
  CHECK(r->status / 100 == 2);
  CHECK(wait_until(30s, [&] {
    auto ids = running_ids("web");
    Json w = row("web");
    return ids.size() == 1 && *ids.begin() != *first.begin() &&
           w.value("state", "") == "healthy" && w.value("restarts", 0) >= 1;
  }));

  // The sick instance is never healthy: unhealthy after 2 failed checks, stopped, restarted.
  bool saw_unhealthy = false, saw_healthy = false;
  std::set<std::string> sick_ids;
  const bool restarted = wait_until(45s, [&] {
    Json s = row("sick");
    saw_unhealthy |= s.value("state", "") == "unhealthy";
    saw_healthy |= s.value("state", "") == "healthy";
    for (const auto& id : running_ids("sick")) sick_ids.insert(id);
    return s.value("restarts", 0) >= 2 && sick_ids.size() >= 2;
  });
  CHECK(restarted);
  CHECK_FALSE(saw_healthy);
  INFO("saw unhealthy in ps: " << saw_unhealthy << ", containers: " << sick_ids.size());
  // The healthy service was left alone meanwhile.
  CHECK(row("web").value("state", "") == "healthy");
}
