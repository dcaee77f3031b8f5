// A service's resources enforced on process-driver instances. `shoal status` and
// /v1/status say how (runtime.limits: "cgroup2", "cgroup1", or "none" with the reason, which
// the agent also logs at start); where they are enforced, an instance past its memory limit is
// killed by the kernel, the agent logs why, and the peer restarts it.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <string>

#include "cluster.hpp"
#include "tests/skip.hpp"

using shoal::test::api_addr;
using shoal::test::Cluster;
using shoal::test::ps_json;
using shoal::test::read_text;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

TEST_CASE("memory limit: an instance past it is killed by the kernel and restarted",
          "[integration][limits]") {
  Cluster c(1);
  REQUIRE(start_all_ready(c));
  auto status = c.get(0, "/v1/status");
  REQUIRE(status);
  const nlohmann::json limits = (*status)["runtime"]["limits"];
  REQUIRE(limits.is_object());
  const std::string mode = limits.value("mode", "");
  auto [rc, text] = c.cli({"status", "--api", api_addr(c, 0)});
  CHECK(rc == 0);
  CHECK(text.find("limits:     " + mode) != std::string::npos);
  if (mode == "none") {
    CHECK(limits.value("error", "") != "");
    CHECK(read_text(c.peer(0).log).find("are not enforced on this host") != std::string::npos);
    SHOAL_SKIP("resource limits cannot be enforced here: " << limits.dump(), false);
  }
  CHECK((mode == "cgroup1" || mode == "cgroup2"));
  CHECK_FALSE(limits.contains("error"));
  // `tail` keeps all of a stream without line breaks: 200 MiB against a 32 MiB limit.
  std::ofstream(c.peer(0).dir + "/services/hog.toml")
      << "[service.hog]\n"
         "command = [\"/bin/sh\", \"-c\", \"head -c 209715200 /dev/zero | tail > /dev/null\"]\n"
         "resources = { memory = \"32MiB\" }\n"
         "restart = { condition = \"on-failure\", delay = \"200ms\", max_delay = \"1s\" }\n";
  CHECK(wait_until(15s, [&] {
    const nlohmann::json ps = ps_json(c, 0);
    return ps.is_array() && ps.size() == 1 && ps[0].value("restarts", 0) >= 1;
  }));
  // The shell reports its `tail` killed (code 137), or the kernel's OOM killer took the shell
  // too (signal 9): either way an end the kernel caused, noted as such.
  const std::string log = read_text(c.peer(0).log);
  const std::string oom = " (out of memory: killed by the kernel at its memory limit)";
  CHECK((log.find("ended: exited code 137 signal 0" + oom) != std::string::npos ||
         log.find("ended: exited code -1 signal 9" + oom) != std::string::npos));
}
