// Volumes and registry credentials through a real agent: a service with volumes on the process
// driver is reported `failed` at once (never run without its data), while the same service
// without volumes runs; an agent whose runtime.registry_auth file others may read refuses to
// start, naming the file.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

// The state of db/0 in peer 0's `ps`, "" when not listed.
std::string db_state(Cluster& c) {
  auto ps = shoal::test::ps_json(c, 0);
  if (!ps.is_array()) return "";
  for (const auto& e : ps)
    if (e.value("service", "") == "db" && e.value("index", -1) == 0) return e.value("state", "");
  return "";
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("volumes on the process driver: the instance is failed, not restarted without them",
          "[integration][volumes]") {
  Cluster c(1);
  std::ofstream(c.peer(0).dir + "/services/db.toml")
      << "[service.db]\ncommand = [\"sleep\", \"1000\"]\n"
         "volumes = [\"pgdata:/var/lib/postgresql/data\"]\n"
         "restart = { delay = \"100ms\" }\n";
  REQUIRE(shoal::test::start_all_ready(c));
  REQUIRE(wait_until(20s, [&] { return db_state(c) == "failed"; }));
  CHECK(c.instances(0).empty());  // nothing was started
  const std::string log = read_all(c.peer(0).log);
  CHECK(log.find("start of db/0 failed: service db: the process driver cannot mount volumes") !=
        std::string::npos);
  // no retry: one start attempt, and still failed a while (many back-off delays) later
  std::this_thread::sleep_for(1s);
  CHECK(db_state(c) == "failed");
  const std::string later = read_all(c.peer(0).log);
  std::size_t attempts = 0;
  for (std::size_t at = later.find("start of db/0 failed"); at != std::string::npos;
       at = later.find("start of db/0 failed", at + 1))
    ++attempts;
  CHECK(attempts == 1);
  // the file without volumes: a new spec, started afresh
  std::ofstream(c.peer(0).dir + "/services/db.toml")
      << "[service.db]\ncommand = [\"sleep\", \"1000\"]\n";
  CHECK(wait_until(20s, [&] { return db_state(c) == "running"; }));
}

TEST_CASE("runtime.registry_auth that others may read: the agent refuses to start",
          "[integration][volumes][asan]") {
  Cluster c(1);
  const std::string auth = c.root() + "/registry.json";
  std::ofstream(auth) << R"({"auths": {"127.0.0.1:5000": {"auth": "dTpw"}}})";
  ::chmod(auth.c_str(), 0644);
  c.set_extra(0, "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
                 "runtime = { driver = \"docker\", socket = \"/nonexistent.sock\", "
                 "registry_auth = \"" + auth + "\" }\n");
  c.start(0);
  CHECK(c.wait_exit(0, 10s) == 1);
  CHECK(read_all(c.peer(0).log).find("shoal agent: runtime.registry_auth: " + auth +
                                     ": mode 0644 lets group or others at the credentials") !=
        std::string::npos);
}
