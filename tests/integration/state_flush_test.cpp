// The replicated state is on disk when the peer exits, however recent the change: a spec
// applied moments before SIGTERM is in data_dir/state and served again after a restart (the
// peer does not republish an unchanged file, so the state file is all that keeps it).
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <string>

#include "cluster.hpp"

using namespace shoal::test;
using namespace std::chrono_literals;

namespace {

bool lists_service(Cluster& c, int i, const std::string& name) {
  auto s = c.get(i, "/v1/services");
  if (!s || !s->is_array()) return false;
  for (const auto& e : *s)
    if (e.value("name", "") == name) return true;
  return false;
}

}  // namespace

TEST_CASE("a spec applied just before SIGTERM is persisted and served after the restart",
          "[integration][persistence]") {
  Cluster c(1);
  c.start(0);
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
    const std::string name = "late-" + std::to_string(round);
    const std::string file = c.root() + "/" + name + ".toml";
    // Runs nowhere: the drain at SIGTERM has nothing to wait for.
    std::ofstream(file) << "[service." << name << "]\ncommand = [\"sleep\", \"1000\"]\n"
                        << "replicas = 1\nplacement = { constraints = [\"zone == nowhere\"] }\n";
    REQUIRE(c.cli({"apply", file, "--api", api_addr(c, 0)}).first == 0);
    CHECK(c.terminate(0) == 0);
    CHECK(read_text(c.peer(0).dir + "/data/state").find("spec/" + name) != std::string::npos);
    c.start(0);
    CHECK(wait_until(10s, [&] { return lists_service(c, 0, name); }));
  }
}
