// Closing descriptors from a number up does not depend on RLIMIT_NOFILE: in a child whose
// limit was lowered to 32 after it opened fds 200 and 5000, both ways (close_range and the
// /proc scan of old kernels) close those, keep the ones below, and leave the limit alone.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "node/runtime/close_fds.hpp"

namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

// Exit status of a child that sets fds up, lowers its limit, closes from 10 with `close`, and
// checks the outcome (0 = as expected, else which check failed).
int run_child(bool (*close)(int)) {
  pid_t pid = ::fork();
  if (pid == 0) {
    const int keep = ::dup2(0, 9);
    if (keep != 9 || ::dup2(0, 10) != 10 || ::dup2(0, 200) != 200 || ::dup2(0, 5000) != 5000)
      ::_exit(10);
    rlimit rl{32, 32};
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) ::_exit(11);
    if (!close(10)) ::_exit(12);
    if (is_open(10) || is_open(200) || is_open(5000)) ::_exit(13);
    if (!is_open(0) || !is_open(9)) ::_exit(14);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("close_fds: fds above a lowered RLIMIT_NOFILE are closed, those below kept") {
  CHECK(run_child([](int lowest) {
          shoal::runtime::close_fds_from(lowest);
          return true;
        }) == 0);
  CHECK(run_child([](int lowest) { return shoal::runtime::close_fds_by_scan(lowest); }) == 0);
}
