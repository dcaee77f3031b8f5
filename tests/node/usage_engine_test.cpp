// The usage meter (node/usage_sampler.hpp) on this host's /proc and against a real container
// engine (Podman's Docker API, scripts/podman-setup): a busy container shows cpu > 0.
#include <catch2/catch.hpp>

#include <thread>

#include "node/usage_sampler.hpp"
#include "tests/runtime/docker_fixture.hpp"

using namespace shoal::node;
using namespace shoal::runtime::test;

namespace {
std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

TEST_CASE("usage meter: the host and this process, primed by a first reading", "[usage]") {
  UsageMeter m({"me", "/nonexistent", "process", ""});
  CHECK_FALSE(m.read(docker_now_ms(), wall_ms()));  // priming: no rate yet
  const auto until = docker_now_ms() + 300;
  volatile std::uint64_t spin = 0;
  while (docker_now_ms() < until) spin = spin + 1;  // this process, busy for 300 ms
  const auto u = m.read(docker_now_ms(), wall_ms());
  REQUIRE(u);
  CHECK(u->cpu_milli > 0);
  CHECK(u->memory_mib > 0);
  CHECK(u->agent_cpu_milli > 0);
  CHECK(u->agent_rss_mib > 0);
  CHECK(u->instances.empty());  // no instances folder
}

TEST_CASE("usage meter: a busy container through the engine's stats", "[usage][docker]") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto started = h.driver->start(busybox_spec(h.peer, "busy", 3, {"sh", "-c", "while :; do :; done"}));
  REQUIRE(started.ok());
  UsageMeter m({h.peer, "", "docker", podman_.socket});
  (void)m.read(docker_now_ms(), wall_ms());
  std::optional<UsageSummary> u;
  REQUIRE(docker_wait_until(
      [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        u = m.read(docker_now_ms(), wall_ms());
        return u && u->instances.size() == 1 && u->instances[0].cpu_milli > 0;
      },
      8000));
  CHECK(u->instances[0].service == "busy");
  CHECK(u->instances[0].index == 3);
}
