// Issue 14, item 5, docker driver against real Podman: a peer started under another name
// refuses and leaves its container as it was; with --rename its old-name container is stopped
// and removed from the engine (a container's labels cannot change, so it is never adopted),
// and the instance runs again under the new name, once. Skipped when podman is absent.
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "cluster.hpp"
#include "docker_containers.hpp"
#include "tests/runtime/docker_fixture.hpp"

using shoal::test::containers_of;
using shoal::test::remove_containers;
using shoal::test::Cluster;
using shoal::test::read_text;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

// Every container (any state) labelled shoal.peer = peer.
// Peers on the docker driver; every container of every name they had is removed at the end.
struct Peers {
  Peers(const std::string& sock, int n) : sock_(sock), c(n) {
    for (int i = 0; i < n; ++i) rename(i, "dr" + std::to_string(::getpid()) + "-" + std::to_string(i));
  }
  ~Peers() {
    for (int i = 0; i < c.size(); ++i) c.kill9(i);
    for (const auto& n : names) remove_containers(sock_, n);
  }
  void rename(int i, const std::string& name) {
    names.insert(name);
    c.set_name(i, name);
    c.set_extra(i, "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
                   "runtime = { driver = \"docker\", socket = \"" + sock_ + "\" }\n");
  }
  std::string sock_;
  Cluster c;
  std::set<std::string> names;
};

// peer -> number of `running` rows of `svc` in peer i's ps; nullopt when any row is not running.
std::optional<std::map<std::string, int>> running_by_peer(Cluster& c, int i, const std::string& svc,
                                                         std::size_t n) {
  auto j = c.get(i, "/v1/ps");
  if (!j || !j->is_array()) return std::nullopt;
  std::map<std::string, int> out;
  std::size_t rows = 0;
  for (const auto& e : *j) {
    if (e.value("service", "") != svc) continue;
    ++rows;
    if (e.value("state", "") != "running" || !e["peer"].is_string()) return std::nullopt;
    ++out[e["peer"].get<std::string>()];
  }
  if (rows != n) return std::nullopt;
  return out;
}

std::size_t running_containers(const std::string& sock, const std::string& peer) {
  std::size_t n = 0;
  for (const auto& ct : containers_of(sock, peer)) n += ct.value("State", "") == "running";
  return n;
}

}  // namespace

TEST_CASE("docker rename: refused without --rename, with it the old container goes, once each",
          "[integration][docker]") {
  SHOAL_REQUIRE_PODMAN();
  const std::string sock = podman_.socket;
  Peers p(sock, 2);
  Cluster& c = p.c;
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  c.start(1);
  REQUIRE(wait_until(20s, [&] { return c.state_seen(0, c.peer(1).name) == "alive"; }));
  std::ofstream(c.peer(0).dir + "/services/sl.toml")
      << "[service.sl]\nimage = \"localhost/busybox:latest\"\n"
      << "command = [\"/bin/busybox\", \"sleep\", \"1000\"]\nreplicas = 2\n"
      << "placement = { max_per_peer = 1 }\nstop_grace = \"1s\"\n";
  const std::string old_name = c.peer(1).name;
  REQUIRE(wait_until(60s, [&] {
    auto m = running_by_peer(c, 0, "sl", 2);
    return m && m->size() == 2 && running_containers(sock, old_name) == 1 &&
           running_containers(sock, c.peer(0).name) == 1;
  }));
  const Json before = containers_of(sock, old_name);
  REQUIRE(before.size() == 1);
  const std::string old_id = before[0]["Id"];

  c.kill9(1);  // the agent only: its container keeps running
  p.rename(1, old_name + "b");
  const std::string new_name = c.peer(1).name;
  const auto log_size = read_text(c.peer(1).log).size();
  c.start(1);
  CHECK(c.wait_exit(1, 15s) == 1);
  const std::string said = read_text(c.peer(1).log).substr(log_size);
  INFO(said);
  CHECK(said.find("`" + old_name + "`") != std::string::npos);
  CHECK(said.find("`" + new_name + "`") != std::string::npos);
  CHECK(said.find("--rename") != std::string::npos);
  // Untouched: the same container, running, still labelled with the old name.
  const Json still = containers_of(sock, old_name);
  REQUIRE(still.size() == 1);
  CHECK(still[0]["Id"] == old_id);
  CHECK(still[0].value("State", "") == "running");
  CHECK(containers_of(sock, new_name).empty());

  c.start(1, {"--rename"});
  const auto t0 = std::chrono::steady_clock::now();
  const bool settled = wait_until(60s, [&] {
    if (!containers_of(sock, old_name).empty()) return false;  // stopped and removed
    for (int i = 0; i < 2; ++i) {
      auto m = running_by_peer(c, i, "sl", 2);
      if (!m || m->size() != 2 || m->count(old_name)) return false;
    }
    return running_containers(sock, new_name) + running_containers(sock, c.peer(0).name) == 2 &&
           containers_of(sock, new_name).size() + containers_of(sock, c.peer(0).name).size() == 2;
  });
  WARN("docker --rename: settled after "
       << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 t0).count()
       << " ms");
  CHECK(settled);
  CHECK(read_text(c.peer(1).dir + "/data/name") == new_name + "\n");
}
