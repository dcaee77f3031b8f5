// The process driver under a small RLIMIT_NOFILE (a container, a systemd unit or a shell with
// `ulimit -n 32`): starts, logs and stops work. The limit is set in a forked child, so the test
// process keeps its own; the child reports what it saw through a pipe, bounded in time.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/resource.h>

#include <fcntl.h>

#include <string>
#include <vector>

#include "harness.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;

namespace {

// In the child: start an instance that prints its fd limit, wait for its log, stop it.
// "ok" or what went wrong.
std::string start_under_limit(int busy_fds) {
  std::vector<int> busy;  // fds held open so the driver's own fds land near the limit
  for (int i = 0; i < busy_fds; ++i) busy.push_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  try {
    Harness h;
    auto s = h.spec("few-fds", 0, "echo started; ulimit -n; exec sleep 30");
    auto r = h.driver->start(s);
    if (!r) return "start failed: " + r.error().message;
    auto rec = read_record(h.driver->record_path(r->id));
    if (rec) {
      h.remember(rec->pid, rec->start_time);
      h.remember(rec->supervisor_pid, rec->supervisor_start);
    }
    const std::string log = h.driver->log_path(s.labels, false);
    if (!wait_until([&] { return log_lines(log).size() >= 2; }, 5000))
      return "no log lines, log: " + read_text(log);
    const auto lines = log_lines(log);
    if (lines[0] != "started" || lines[1] != "32") return "log: " + read_text(log);
    if (auto st = h.driver->stop(r->id, 2000); !st) return "stop failed: " + st.error().message;
    auto exits = h.wait_exits(1, 5000);
    if (exits.size() != 1) return "no exit after stop";
    if (exits[0].reason != Exit::Reason::stopped) return std::string("exit reason ") + to_string(exits[0].reason);
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
  for (int fd : busy) ::close(fd);
  return "ok";
}

// Runs start_under_limit in a child with RLIMIT_NOFILE = `limit`; what it reported.
std::string in_child(rlim_t limit, int busy_fds) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(out[0]);
    rlimit rl{limit, limit};
    std::string got = ::setrlimit(RLIMIT_NOFILE, &rl) == 0 ? start_under_limit(busy_fds)
                                                           : std::string("setrlimit failed");
    (void)!::write(out[1], got.data(), got.size());
    ::_exit(0);
  }
  ::close(out[1]);
  std::string got;
  const std::int64_t deadline = now_ms() + 30000;
  for (;;) {
    const std::int64_t left = deadline - now_ms();
    pollfd p{out[0], POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      got += " (child timed out)";
      ::kill(pid, SIGKILL);
      break;
    }
    char buf[512];
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(out[0]);
  int status;
  ::waitpid(pid, &status, 0);
  return got;
}

}  // namespace

TEST_CASE("process driver starts, logs and stops instances with RLIMIT_NOFILE = 32") {
  CHECK(in_child(32, 0) == "ok");
}

TEST_CASE("process driver starts instances when its own fds sit near a limit of 32") {
  CHECK(in_child(32, 20) == "ok");
}
