// Desired state through gossip: a service file on one peer is published as spec/<name> and
// runs cluster-wide; `shoal delete` on ANOTHER peer erases it everywhere, the holding peer
// renames its file NAME.toml.deleted, and the instances stop; the replicated state is
// persisted in data_dir and restored at start.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::read_text;
using shoal::test::instance_alive;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

int live_instances(Cluster& c) {
  int n = 0;
  for (int i = 0; i < c.size(); ++i)
    for (const auto& r : c.instances(i)) n += instance_alive(r) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("delete on another peer: tombstone, .deleted rename, instances stop, state persisted",
          "[integration]") {
  Cluster c(2);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  c.start(1);
  REQUIRE(wait_until(20s, [&] { return c.state_seen(0, "p1") == "alive" &&
                                       c.state_seen(1, "p0") == "alive"; }));
  const std::string file = c.peer(0).dir + "/services/web.toml";
  std::ofstream(file) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n";
  // p1 learns the service through gossip and both instances run.
  REQUIRE(wait_until(30s, [&] {
    auto s = c.get(1, "/v1/services");
    return s && s->size() == 1 && (*s)[0]["name"] == "web" && (*s)[0]["running"] == 2;
  }));
  // Spread moves one copy to p1 once it is ready (make-before-break: 3 copies for a moment).
  CHECK(wait_until(15s, [&] { return live_instances(c) == 2; }));
  // Persisted (debounced ~1 s): the snapshot and what p0 published.
  CHECK(wait_until(5s, [&] {
    return std::filesystem::exists(c.peer(1).dir + "/data/state") &&
           read_text(c.peer(0).dir + "/data/published").rfind("web ", 0) == 0;
  }));

  // Deleted through p1, which does not hold the file.
  auto [code, out] = c.cli({"delete", "web", "--api",
                            "127.0.0.1:" + std::to_string(c.peer(1).api_port)});
  CHECK(code == 0);
  CHECK(wait_until(10s, [&] { return std::filesystem::exists(file + ".deleted"); }));
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK(wait_until(10s, [&] {
    auto a = c.get(0, "/v1/ps"), b = c.get(1, "/v1/ps");
    return a && b && a->empty() && b->empty();
  }));
  CHECK(wait_until(15s, [&] { return live_instances(c) == 0; }));

  // A restarted p1 restores the replicated state from data_dir (the tombstone included) and
  // still sees no service.
  CHECK(c.terminate(1) == 0);
  c.start(1);
  CHECK(wait_until(10s, [&] {
    return read_text(c.peer(1).log).find("restored ") != std::string::npos;
  }));
  CHECK(wait_until(10s, [&] {
    auto s = c.get(1, "/v1/services");
    return s && s->empty();
  }));
}
