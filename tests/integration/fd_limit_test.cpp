// A peer whose RLIMIT_NOFILE is 32 (set on the running agent with prlimit(2), as a unit file's
// LimitNOFILE or a container's ulimit would) still starts its instances: the supervisor's file
// descriptor handling depends on no fixed fd number.
#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cluster.hpp"

using namespace shoal::test;
using namespace std::chrono_literals;

namespace {

std::size_t open_fds(pid_t pid) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

}  // namespace

TEST_CASE("a peer with RLIMIT_NOFILE = 32 starts its process-driver instances",
          "[integration][runtime]") {
  Cluster c(1);
  c.start(0);
  const pid_t agent = c.peer(0).pid;
  rlimit small{32, 32};
  REQUIRE(::prlimit(agent, RLIMIT_NOFILE, &small, nullptr) == 0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  WARN("agent holds " << open_fds(agent) << " fds under a limit of 32");
  std::ofstream(c.peer(0).dir + "/services/few.toml")
      << "[service.few]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n";
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, {0}, "few", 2).has_value(); }));
  CHECK(once_each(live_owners(c, {0}, "few"), 2));
  for (const auto& r : c.instances(0)) {  // the instances run under the same limit
    rlimit got{};
    REQUIRE(::prlimit(static_cast<pid_t>(r.pid), RLIMIT_NOFILE, nullptr, &got) == 0);
    CHECK(got.rlim_cur == 32);
  }
}
