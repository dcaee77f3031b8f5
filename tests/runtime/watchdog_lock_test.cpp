// The docker orphan watchdog's lock file (orphan_watchdog.hpp) as the agent reads it: held or
// not by flock, and the holder it names trusted only when that process is alive, started when
// the file says, and is a `shoal watchdog` (the agent sends it SIGTERM at start).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "node/runtime/orphan_watchdog.hpp"
#include "node/runtime/proc.hpp"

using namespace shoal::runtime;

namespace {
struct LockDir {
  LockDir() {
    char tmpl[] = "/tmp/shoal-wdlock-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~LockDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// Holds the lock as a watchdog would, with `text` as its content.
int hold(const std::string& dir, const std::string& text) {
  int fd = ::open(watchdog_lock_path(dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  REQUIRE(::ftruncate(fd, 0) == 0);
  REQUIRE(::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()));
  return fd;
}
}  // namespace

TEST_CASE("watchdog lock: free, held, and a holder that is not a watchdog is not trusted",
          "[orphan]") {
  LockDir d;
  CHECK_FALSE(watchdog_lock_held(d.path));  // no file
  CHECK_FALSE(watchdog_holder(d.path));
  ProcStat me;
  REQUIRE(read_proc_stat(::getpid(), &me));
  const std::string mine = std::to_string(::getpid()) + " " + std::to_string(me.start_time) + "\n";

  int fd = hold(d.path, mine);
  CHECK(watchdog_lock_held(d.path));
  // Alive and with the right start time, but this test binary is no `shoal watchdog`.
  CHECK_FALSE(watchdog_holder(d.path));
  ::close(fd);
  CHECK_FALSE(watchdog_lock_held(d.path));  // the file stays, the lock went with its holder

  for (const std::string& bad : std::vector<std::string>{"", "garbage", "-1 5", "1 0", "99999999999999999999 1",
                                std::to_string(::getpid()) + " 1"}) {
    int f = hold(d.path, bad);
    CHECK(watchdog_lock_held(d.path));
    CHECK_FALSE(watchdog_holder(d.path));
    ::close(f);
  }
}
