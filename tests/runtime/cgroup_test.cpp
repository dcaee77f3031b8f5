// Process-driver instances in a cgroup of their own: the base found from mountinfo and the
// process's own cgroup (errors named), and on a host with a writable cgroup v2, a command that
// daemonises out of its process group (setsid) is stopped with it. Skipped, visibly, where the
// host has no writable cgroup v2 (the process group kill is then all there is).
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "node/runtime/cgroup.hpp"
#include "node/runtime/proc.hpp"
#include "tests/runtime/harness.hpp"
#include "tests/skip.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;

namespace {

std::string mountinfo_with_cgroup2_at(const std::string& point) {
  return "25 1 0:23 / /proc rw,nosuid - proc proc rw\n"
         "36 25 0:30 / " + point + " rw,nosuid,nodev - cgroup2 cgroup2 rw\n";
}

// Alive and not a zombie (a killed daemon waits as a zombie for whoever reaps it).
bool running(pid_t pid) {
  ProcStat st;
  return read_proc_stat(pid, &st) && st.state != 'Z';
}

}  // namespace

TEST_CASE("cgroup base: found from mountinfo and /proc/self/cgroup, or why not",
          "[runtime][cgroup]") {
  auto none = find_cgroup_base("25 1 0:23 / /proc rw - proc proc rw\n", "0::/\n");
  CHECK(none.dir.empty());
  CHECK(none.error == "no cgroup2 filesystem is mounted");
  auto v1only = find_cgroup_base(mountinfo_with_cgroup2_at("/sys/fs/cgroup"), "4:memory:/x\n");
  CHECK(v1only.dir.empty());
  CHECK(v1only.error == "no cgroup v2 membership in /proc/self/cgroup");
  auto hostile = find_cgroup_base(mountinfo_with_cgroup2_at("/sys/fs/cgroup"), "0::/a/../../etc\n");
  CHECK(hostile.dir.empty());

  char tmpl[] = "/tmp/shoal-cgroup-XXXXXX";
  const std::string root = ::mkdtemp(tmpl);
  struct Rm {
    std::string d;
    ~Rm() { std::error_code ec; std::filesystem::remove_all(d, ec); }
  } rm{root};
  auto missing = find_cgroup_base(mountinfo_with_cgroup2_at(root), "0::/svc\n");
  CHECK(missing.dir.empty());
  CHECK(missing.error.find("cannot create " + root + "/svc/shoal") == 0);
  std::filesystem::create_directories(root + "/svc");
  auto not_cgroup = find_cgroup_base(mountinfo_with_cgroup2_at(root), "0::/svc\n");
  CHECK(not_cgroup.dir.empty());  // a plain folder has no cgroup.procs
  CHECK(not_cgroup.error.find(root + "/svc/shoal is not a writable cgroup") == 0);
}

TEST_CASE("process driver: a command that daemonises out of its group is stopped with it",
          "[runtime][cgroup]") {
  Harness h;
  if (h.driver->cgroup_base().empty())
    SHOAL_SKIP("no writable cgroup v2 on this host: " << find_cgroup_base().error, false);
  const std::string pidfile = h.dir() + "/daemon.pid";
  Instance inst = h.start(h.spec(
      "daemon", 0, "setsid sleep 1000 & echo $! > " + pidfile + "; : > ready.$$; wait"));
  REQUIRE(h.wait_ready(inst));
  pid_t daemon = 0;
  REQUIRE(wait_until([&] { return (std::ifstream(pidfile) >> daemon) && daemon > 0; }, 5000));
  ProcStat st;
  REQUIRE(read_proc_stat(daemon, &st));
  h.remember(daemon, st.start_time);  // killed at cleanup whatever happens
  // Out of the instance's process group once `setsid` has run (it may not have yet).
  REQUIRE(wait_until([&] { return ::getpgid(daemon) != inst.pid; }, 5000));
  const std::string dir = h.driver->cgroup_base() + "/" + inst.id;
  CHECK(std::filesystem::exists(dir));
  REQUIRE(h.driver->stop(inst.id, 2000).ok());
  CHECK(h.wait_exits(1).size() == 1);
  CHECK(wait_until([&] { return !running(daemon); }, 5000));
  CHECK(wait_until([&] { return !std::filesystem::exists(dir); }, 5000));  // removed after
}

TEST_CASE("process driver: what an instance leaves running when its main process ends is killed",
          "[runtime][cgroup]") {
  Harness h;
  if (h.driver->cgroup_base().empty())
    SHOAL_SKIP("no writable cgroup v2 on this host: " << find_cgroup_base().error, false);
  const std::string pidfile = h.dir() + "/left.pid";
  Instance inst = h.start(h.spec("leaver", 0, "setsid sleep 1000 & echo $! > " + pidfile));
  pid_t left = 0;
  REQUIRE(wait_until([&] { return (std::ifstream(pidfile) >> left) && left > 0; }, 5000));
  ProcStat st;
  if (read_proc_stat(left, &st)) h.remember(left, st.start_time);
  CHECK(h.wait_exits(1).size() == 1);
  CHECK(wait_until([&] { return !running(left); }, 5000));
}
