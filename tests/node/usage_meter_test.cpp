// The usage meter (node/usage_sampler.hpp): on this host's /proc; against an engine whose
// answers are well-formed HTTP but hostile JSON (odd container lists, labels of the wrong type,
// stats that are not numbers, no engine at all: bad entries are skipped, never a throw, good ones
// still read); and against a real engine (Podman's Docker API, scripts/podman-setup), where a
// busy container shows cpu > 0.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "node/usage_sampler.hpp"
#include "tests/runtime/docker_fixture.hpp"
#include "tests/runtime/fake_engine.hpp"

using namespace shoal::node;
using namespace shoal::runtime::test;

namespace {

const char* kList = R"([
  {"Id":"good","Labels":{"shoal.peer":"p","shoal.service":"web","shoal.index":"2"}},
  {"Id":"badstats","Labels":{"shoal.peer":"p","shoal.service":"web","shoal.index":"3"}},
  {"Id":"junkstats","Labels":{"shoal.peer":"p","shoal.service":"web","shoal.index":"4"}},
  {"Id":7,"Labels":{"shoal.service":"web","shoal.index":"5"}},
  {"Id":"nolabels"},
  {"Id":"labelsarray","Labels":["shoal.service=web"]},
  {"Id":"badindex","Labels":{"shoal.service":"web","shoal.index":"x"}},
  {"Id":"negindex","Labels":{"shoal.service":"web","shoal.index":"-1"}},
  {"Id":"numindex","Labels":{"shoal.service":"web","shoal.index":1}},
  {"Id":"noservice","Labels":{"shoal.service":"","shoal.index":"1"}},
  "junk", null, 12])";

std::int64_t now_ms() { return docker_now_ms(); }

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("usage meter: hostile container lists and stats are skipped, good ones read",
          "[usage]") {
  std::atomic<std::uint64_t> ns{1'000'000'000};
  FakeEngine engine([&](const std::string&, const std::string& path) -> Answer {
    if (path.find("/containers/json") != std::string::npos) return {200, kList};
    if (path.find("/containers/good/stats") != std::string::npos)
      return {200, R"({"cpu_stats":{"cpu_usage":{"total_usage":)" + std::to_string(ns.load()) +
                       R"(}},"memory_stats":{"usage":20971520}})"};
    if (path.find("/containers/badstats/stats") != std::string::npos)
      return {200, R"({"cpu_stats":{"cpu_usage":{"total_usage":-1}}})"};
    return {200, "not json at all"};
  });
  UsageMeter m({"p", "", "docker", engine.path()});
  CHECK_FALSE(m.read(now_ms(), 1000));  // priming
  ns = 1'500'000'000;                   // 0.5 s of cpu over ~1 s
  const auto t = now_ms() + 1000;
  const auto u = m.read(t, 2000);
  REQUIRE(u);
  REQUIRE(u->instances.size() == 1);
  CHECK(u->instances[0].service == "web");
  CHECK(u->instances[0].index == 2);
  CHECK(u->instances[0].rss_mib == 20);
  CHECK(u->instances[0].cpu_milli > 0);
  CHECK(u->instances[0].cpu_milli <= 500);
}

TEST_CASE("usage meter: an engine that is not there leaves the instances out", "[usage]") {
  UsageMeter m({"p", "", "docker", "/nonexistent/engine.sock"});
  (void)m.read(now_ms(), 1000);
  const auto u = m.read(now_ms() + 10, 1010);
  REQUIRE(u);  // the host and the agent still read
  CHECK(u->instances.empty());
}

TEST_CASE("usage meter: the host and this process, primed by a first reading", "[usage]") {
  UsageMeter m({"me", "/nonexistent", "process", ""});
  CHECK_FALSE(m.read(now_ms(), wall_ms()));  // priming: no rate yet
  const auto until = now_ms() + 300;
  volatile std::uint64_t spin = 0;
  while (now_ms() < until) spin = spin + 1;  // this process, busy for 300 ms
  const auto u = m.read(now_ms(), wall_ms());
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
  (void)m.read(now_ms(), wall_ms());
  std::optional<UsageSummary> u;
  REQUIRE(docker_wait_until(
      [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        u = m.read(now_ms(), wall_ms());
        return u && u->instances.size() == 1 && u->instances[0].cpu_milli > 0;
      },
      8000));
  CHECK(u->instances[0].service == "busy");
  CHECK(u->instances[0].index == 3);
}
