// free_port() (ports.cpp): two test processes running at once never get the same port, and no
// port lies in the kernel's ephemeral range (where a port-0 bind or a connection could take it
// before the agent binds it).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <set>
#include <vector>

#include "cluster.hpp"

TEST_CASE("free_port: outside the ephemeral range, never the same port in two processes",
          "[integration][ports]") {
  int lo = 32768, hi = 60999;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> lo >> hi;
  std::set<std::uint16_t> mine;
  for (int i = 0; i < 120; ++i) {  // under the 128 claims a process keeps
    const std::uint16_t p = shoal::test::free_port();
    CHECK((p < lo || p > hi));
    CHECK(mine.insert(p).second);
  }
  // Another test process picks while this one holds its ports: 2,000 picks among ~12,000
  // ports would meet ~20 of these 120 if nothing kept it off them.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    for (int i = 0; i < 2000; ++i) {
      const std::uint16_t p = shoal::test::free_port();
      if (::write(fds[1], &p, sizeof p) != sizeof p) ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<std::uint16_t> theirs;
  std::uint16_t p = 0;
  while (::read(fds[0], &p, sizeof p) == sizeof p) theirs.push_back(p);
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(theirs.size() == 2000);
  for (std::uint16_t q : theirs) CHECK(mine.count(q) == 0);
}
