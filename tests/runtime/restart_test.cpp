// Instances outlive their driver object (a peer restart): re-discovery, exits learned while the
// peer was away, the PID-reuse guard, stop without a supervisor, and the orphan watchdog.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "harness.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;

namespace {

// Forks `/bin/sh -c script` in its own process group, outside any driver.
pid_t spawn_plain(const char* script) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    ::execl("/bin/sh", "sh", "-c", script, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

std::uint64_t start_time_of(pid_t pid) {
  ProcStat st;
  REQUIRE(read_proc_stat(pid, &st));
  return st.start_time;
}

void reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  int st;
  ::waitpid(pid, &st, 0);
}

}  // namespace

TEST_CASE("process driver: a recreated driver re-discovers running instances and stops them") {
  Harness h;
  auto a = h.spec("web", 0, Harness::trap_loop("exit 0"));
  auto b = h.spec("web", 1, Harness::trap_loop("exit 0"));
  a.service.ports = b.service.ports = {{"http", 8080, std::nullopt}};
  Instance ia = h.start(a), ib = h.start(b);
  REQUIRE(h.wait_ready(ia));
  REQUIRE(h.wait_ready(ib));

  h.restart_driver();  // the peer crashed and came back

  auto found = h.driver->list();
  REQUIRE(found.size() == 2);
  CHECK(found[0].id == ia.id);
  CHECK(found[0].labels == a.labels);
  CHECK(found[0].ports == ia.ports);
  CHECK(found[0].pid == ia.pid);
  CHECK(found[0].started_at == ia.started_at);
  CHECK(found[1].id == ib.id);
  CHECK(found[1].labels.index == 1);
  CHECK(to_label_map(found[1].labels) ==
        std::map<std::string, std::string>{{"shoal.peer", "peer-a"},
                                           {"shoal.service", "web"},
                                           {"shoal.index", "1"},
                                           {"shoal.spec", "hash-web"}});
  CHECK(h.driver->poll().empty());

  // A new start of the same service/index while both run gets a fresh id and port.
  Instance ic = h.start(a);
  REQUIRE(h.wait_ready(ic));
  CHECK(ic.id != ia.id);
  CHECK(ic.ports[0].host != ia.ports[0].host);
  CHECK(ic.ports[0].host != ib.ports[0].host);

  REQUIRE(h.driver->stop(ia.id, 5000).ok());
  REQUIRE(h.driver->stop(ib.id, 5000).ok());
  REQUIRE(h.driver->stop(ic.id, 5000).ok());
  auto exits = h.wait_exits(3);
  REQUIRE(exits.size() == 3);
  for (auto& e : exits) {
    CHECK(e.reason == Exit::Reason::stopped);
    CHECK(e.exit_code == 0);
  }
  CHECK(h.driver->list().empty());
}

TEST_CASE("process driver: an exit that happened while the peer was away is reported") {
  Harness h;
  auto s = h.spec("job", 0, "while [ ! -e go ]; do sleep 0.02; done; echo done; exit 5");
  Instance inst = h.start(s);
  std::string record = h.driver->record_path(inst.id);
  std::string work = h.driver->work_dir(s.labels);

  h.driver.reset();  // the peer is down ...
  std::ofstream(work + "/go") << "";
  REQUIRE(wait_until(
      [&] {
        auto r = read_record(record);
        return r && r->state == InstanceRecord::State::exited;
      },
      5000));

  h.restart_driver();  // ... and back
  CHECK(h.driver->list().empty());
  auto exits = h.wait_exits(1);
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].id == inst.id);
  CHECK(exits[0].reason == Exit::Reason::exited);
  CHECK(exits[0].exit_code == 5);
  CHECK(exits[0].labels == s.labels);
  CHECK_FALSE(std::filesystem::exists(record));  // consumed
}

TEST_CASE("process driver: a record whose PID now belongs to another process is not adopted") {
  Harness h;
  pid_t other = spawn_plain("exec sleep 30");
  std::uint64_t real_start = start_time_of(other);

  InstanceRecord r;
  r.id = "ghost-0.0";
  r.labels = Labels{"peer-a", "ghost", 0, "h"};
  r.pid = r.pgid = r.supervisor_pid = other;
  r.start_time = r.supervisor_start = real_start + 12345;  // the PID was reused since
  std::filesystem::create_directories(h.dir() + "/instances");
  REQUIRE(write_file_atomic(h.driver->record_path(r.id), encode_record(r)).ok());

  CHECK(h.driver->list().empty());
  REQUIRE(h.driver->stop(r.id, 0).ok());  // must not signal the unrelated process
  auto exits = h.driver->poll();
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].id == "ghost-0.0");
  CHECK(exits[0].reason == Exit::Reason::lost);
  CHECK(process_matches(other, real_start));  // untouched
  reap(other);
}

TEST_CASE("process driver: an instance that lost its supervisor is still adopted and stopped") {
  Harness h;
  std::string ready = h.dir() + "/ready";
  std::string script = "trap '' TERM; : > " + ready + "; while :; do sleep 0.05; done";
  pid_t orphan = spawn_plain(script.c_str());
  std::uint64_t start = start_time_of(orphan);
  h.remember(orphan, start);
  REQUIRE(wait_until([&] { return std::filesystem::exists(ready); }, 3000));  // TERM ignored now

  InstanceRecord r;
  r.id = "lonely-0.0";
  r.labels = Labels{"peer-a", "lonely", 0, "h"};
  r.pid = r.pgid = orphan;
  r.start_time = start;
  r.supervisor_pid = 999999999;  // no such process
  std::filesystem::create_directories(h.dir() + "/instances");
  REQUIRE(write_file_atomic(h.driver->record_path(r.id), encode_record(r)).ok());

  auto found = h.driver->list();
  REQUIRE(found.size() == 1);
  CHECK(found[0].pid == orphan);

  std::int64_t t0 = now_ms();
  REQUIRE(h.driver->stop(r.id, 300).ok());  // TERM is ignored: poll() kills after 300 ms
  auto exits = h.wait_exits(1);
  REQUIRE(exits.size() == 1);
  CHECK(now_ms() - t0 >= 300);
  CHECK(exits[0].reason == Exit::Reason::lost);  // not our child: no exit status to report
  int st;
  REQUIRE(::waitpid(orphan, &st, 0) == orphan);
  CHECK(WIFSIGNALED(st));
  CHECK(WTERMSIG(st) == SIGKILL);
}

TEST_CASE("process driver: the orphan watchdog stops an instance whose peer stays away") {
  Harness h([](ProcessDriverOptions& o) { o.orphan_timeout = 1500; });
  auto s = h.spec("watched", 0, Harness::trap_loop("exit 9"));
  s.service.stop_grace = 2000;
  h.driver->heartbeat();
  Instance inst = h.start(s);
  REQUIRE(h.wait_ready(inst));

  // While the heartbeat goes on (longer than orphan_timeout), the instance keeps running.
  std::int64_t until = now_ms() + 2000;
  while (now_ms() < until) {
    h.driver->heartbeat();
    CHECK(h.driver->poll().empty());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(h.driver->list().size() == 1);

  // The peer goes silent (without destroying the driver: poll() still reads the records).
  std::int64_t silent_since = now_ms();
  auto exits = h.wait_exits(1, 6000);
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].id == inst.id);
  CHECK(exits[0].reason == Exit::Reason::orphaned);
  CHECK(exits[0].exit_code == 9);  // SIGTERM first: it could clean up
  CHECK(now_ms() - silent_since >= 1500);
}

TEST_CASE("process driver: instances survive kill -9 of the peer process and are adopted") {
  Harness h;
  auto s = h.spec("survivor", 0, Harness::trap_loop("exit 0"));
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  pid_t peer = ::fork();
  REQUIRE(peer >= 0);
  if (peer == 0) {  // the "peer": starts one instance, reports its pid, waits to be killed
    ::alarm(20);    // never outlive a broken test
    ProcessDriver d(h.options());
    auto r = d.start(s);
    std::int64_t pid = r ? r->pid : -1;
    (void)!::write(pipe_fds[1], &pid, sizeof pid);
    for (;;) ::pause();
  }
  ::close(pipe_fds[1]);
  std::int64_t pid = 0;
  REQUIRE(::read(pipe_fds[0], &pid, sizeof pid) == static_cast<ssize_t>(sizeof pid));
  ::close(pipe_fds[0]);
  REQUIRE(pid > 0);
  ::kill(peer, SIGKILL);  // the peer crashes
  int st;
  REQUIRE(::waitpid(peer, &st, 0) == peer);

  h.restart_driver();  // a new peer process on the same data_dir
  auto found = h.driver->list();
  REQUIRE(found.size() == 1);
  CHECK(found[0].pid == pid);
  CHECK(found[0].labels == s.labels);
  REQUIRE(h.wait_ready(found[0]));
  REQUIRE(h.driver->stop(found[0].id, 5000).ok());
  auto exits = h.wait_exits(1);
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].reason == Exit::Reason::stopped);
  CHECK(exits[0].exit_code == 0);  // its supervisor, now re-parented, still recorded the status
}
