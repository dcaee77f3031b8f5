// The process driver against real processes: environment, ports, working directory, logs and
// rotation, exit codes, stop with grace. Every wait is bounded; the harness kills what is left.
#include <signal.h>
#include <poll.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "harness.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;

namespace {

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

bool has_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
}

}  // namespace

TEST_CASE("process driver passes env, ports and a working directory to the command") {
  Harness h;
  auto s = h.spec("web", 2, "env; echo cwd=$(pwd)");
  s.service.env = {{"FOO", "bar baz"}, {"SHOAL_PEER", "overridden?"}};
  s.service.ports = {{"admin", 9000, 18123}, {"http-alt", 8080, std::nullopt}};
  Instance inst = h.start(s);
  REQUIRE(inst.ports.size() == 2);
  CHECK(inst.ports[0] == HostPort{"admin", 9000, 18123});
  CHECK(inst.ports[1].name == "http-alt");
  CHECK(inst.ports[1].host != 0);
  CHECK(inst.labels == s.labels);

  auto exits = h.wait_exits(1);
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].exit_code == 0);
  CHECK(exits[0].reason == Exit::Reason::exited);

  auto out = log_lines(h.driver->log_path(s.labels, false));
  CHECK(has_line(out, "FOO=bar baz"));
  CHECK(has_line(out, "SHOAL_SERVICE=web"));
  CHECK(has_line(out, "SHOAL_INDEX=2"));
  CHECK(has_line(out, "SHOAL_PEER=peer-a"));  // the peer's own variables win over the spec's
  CHECK(has_line(out, "SHOAL_PORT_ADMIN=18123"));
  CHECK(has_line(out, "SHOAL_PORT_HTTP_ALT=" + std::to_string(inst.ports[1].host)));
  CHECK_FALSE(has_prefix(out, "PORT="));  // two ports: no PORT
  CHECK(has_prefix(out, "PATH="));
  CHECK(has_line(out, "cwd=" + h.driver->work_dir(s.labels)));
}

TEST_CASE("process driver sets PORT when the service has exactly one port") {
  Harness h;
  auto s = h.spec("api", 0, "echo PORT=$PORT; echo NAMED=$SHOAL_PORT_MAIN");
  s.service.ports = {{"main", 80, std::nullopt}};
  Instance inst = h.start(s);
  REQUIRE(h.wait_exits(1).size() == 1);
  auto out = log_lines(h.driver->log_path(s.labels, false));
  std::string port = std::to_string(inst.ports.at(0).host);
  CHECK(has_line(out, "PORT=" + port));
  CHECK(has_line(out, "NAMED=" + port));
}

TEST_CASE("process driver gives two running instances different dynamic ports") {
  Harness h;
  auto a = h.spec("svc", 0, "exec sleep 30");
  auto b = h.spec("svc", 1, "exec sleep 30");
  a.service.ports = b.service.ports = {{"http", 80, std::nullopt}};
  Instance ia = h.start(a), ib = h.start(b);
  CHECK(ia.ports[0].host != ib.ports[0].host);
  CHECK(h.driver->list().size() == 2);
}

TEST_CASE("process driver reports exit codes and terminating signals") {
  Harness h;
  h.start(h.spec("ok", 0, "exit 0"));
  h.start(h.spec("bad", 0, "exit 3"));
  h.start(h.spec("sig", 0, "kill -USR1 $$"));
  auto exits = h.wait_exits(3);
  REQUIRE(exits.size() == 3);
  std::sort(exits.begin(), exits.end(),
            [](const Exit& x, const Exit& y) { return x.labels.service < y.labels.service; });
  CHECK(exits[0].labels.service == "bad");
  CHECK(exits[0].exit_code == 3);
  CHECK(exits[0].signal == 0);
  CHECK(exits[1].labels.service == "ok");
  CHECK(exits[1].exit_code == 0);
  CHECK(exits[2].labels.service == "sig");
  CHECK(exits[2].exit_code == -1);
  CHECK(exits[2].signal == SIGUSR1);
  for (auto& e : exits) {
    CHECK(e.reason == Exit::Reason::exited);
    CHECK(e.ended_at > 0);
  }
  CHECK(h.driver->poll().empty());  // each exit is reported once
  CHECK(h.driver->list().empty());
}

TEST_CASE("process driver stop: SIGTERM to the group, the instance exits on its own terms") {
  Harness h;
  auto s = h.spec("trap", 0, Harness::trap_loop("echo got-term; exit 7"));
  Instance inst = h.start(s);
  REQUIRE(h.wait_ready(inst));
  REQUIRE(h.driver->list().size() == 1);
  REQUIRE(h.driver->stop(inst.id, 10000).ok());
  auto exits = h.wait_exits(1);
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].id == inst.id);
  CHECK(exits[0].reason == Exit::Reason::stopped);
  CHECK(exits[0].exit_code == 7);
  CHECK(log_lines(h.driver->log_path(s.labels, false)) ==
        std::vector<std::string>{"got-term"});
  CHECK(h.driver->stop(inst.id, 0).ok() == false);  // record consumed: unknown now
}

TEST_CASE("process driver stop: an instance ignoring SIGTERM is killed after the grace") {
  Harness h;
  Instance inst = h.start(h.spec("stubborn", 0, Harness::trap_loop("")));
  REQUIRE(h.wait_ready(inst));
  std::int64_t t0 = now_ms();
  REQUIRE(h.driver->stop(inst.id, 400).ok());
  auto exits = h.wait_exits(1);
  std::int64_t waited = now_ms() - t0;
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].reason == Exit::Reason::stopped);
  CHECK(exits[0].signal == SIGKILL);
  CHECK(waited >= 400);  // it got its whole grace period
  CHECK(::kill(static_cast<pid_t>(inst.pid), 0) != 0);  // reaped, gone
}

TEST_CASE("process driver writes stdout and stderr to log files and rotates them by size") {
  Harness h([](ProcessDriverOptions& o) {
    o.log_rotate_bytes = 4096;
    o.log_keep = 1;
  });
  auto s = h.spec("chatty", 1,
                  "i=0; while [ $i -lt 300 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx;"
                  " i=$((i+1)); done; echo to-stderr >&2");
  h.start(s);
  REQUIRE(h.wait_exits(1).size() == 1);
  std::string out = h.driver->log_path(s.labels, false);
  namespace fs = std::filesystem;
  REQUIRE(fs::exists(out));
  REQUIRE(fs::exists(out + ".1"));
  CHECK_FALSE(fs::exists(out + ".2"));  // keep = 1
  CHECK(fs::file_size(out) <= 4096);
  CHECK(fs::file_size(out + ".1") <= 4096);
  CHECK(fs::file_size(out + ".1") > 2048);
  // Rotation happens on line boundaries: .1 then the live file hold consecutive lines that
  // end with the last one written.
  auto older = log_lines(out + ".1");
  auto live = log_lines(out);
  std::vector<std::string> all = older;
  all.insert(all.end(), live.begin(), live.end());
  REQUIRE(!all.empty());
  int first = std::stoi(all.front().substr(5));
  for (std::size_t i = 0; i < all.size(); ++i)
    REQUIRE(all[i] == "line-" + std::to_string(first + static_cast<int>(i)) +
                          "-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  CHECK(all.back().rfind("line-299-", 0) == 0);
  CHECK(log_lines(h.driver->log_path(s.labels, true)) == std::vector<std::string>{"to-stderr"});
}

TEST_CASE("process driver start errors are values") {
  Harness h;
  auto s = h.spec("nope", 0, "");
  s.service.command = {"no-such-command-shoal-test"};
  auto r = h.driver->start(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("not found") != std::string::npos);

  s.service.command = {};
  CHECK_FALSE(h.driver->start(s).ok());

  // An executable file execve refuses: the supervisor reports the exec failure.
  std::string bogus = h.dir() + "/bogus";
  std::ofstream(bogus) << "\x01\x02\x03 not a program\n";
  ::chmod(bogus.c_str(), 0755);
  s.service.command = {bogus};
  r = h.driver->start(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("exec") != std::string::npos);
  CHECK(h.driver->list().empty());
  CHECK(h.driver->poll().empty());

  s.labels.service = "Bad/Name";
  CHECK_FALSE(h.driver->start(s).ok());
  CHECK_FALSE(h.driver->stop("web-0.0", 0).ok());
}

TEST_CASE("process driver with log_keep = 0 starts the log over instead of keeping old files") {
  Harness h([](ProcessDriverOptions& o) {
    o.log_rotate_bytes = 1024;
    o.log_keep = 0;
  });
  auto s = h.spec("terse", 0,
                  "i=0; while [ $i -lt 300 ]; do echo line-$i-yyyyyyyyyyyyyyyyyyyy; i=$((i+1)); "
                  "done");
  h.start(s);
  REQUIRE(h.wait_exits(1).size() == 1);
  std::string out = h.driver->log_path(s.labels, false);
  namespace fs = std::filesystem;
  CHECK_FALSE(fs::exists(out + ".1"));
  CHECK(fs::file_size(out) <= 1024);
  auto live = log_lines(out);
  REQUIRE(!live.empty());
  CHECK(live.back() == "line-299-yyyyyyyyyyyyyyyyyyyy");
  CHECK(live.front().rfind("line-", 0) == 0);  // starts on a line boundary
}

TEST_CASE("process driver: instances and supervisors inherit no file descriptor of the peer") {
  Harness h;
  int leak[2];
  REQUIRE(::pipe(leak) == 0);  // not close-on-exec: a careless fork/exec would pass it on
  auto s = h.spec("fds", 0, "readlink /proc/self/fd/0; ls /proc/self/fd; exec sleep 30");
  Instance inst = h.start(s);
  ::close(leak[1]);
  // Only if neither the supervisor nor the instance holds the write end does the read end see
  // EOF (this is also what keeps ctest from waiting on a test's output pipe).
  pollfd pfd{leak[0], POLLIN, 0};
  REQUIRE(::poll(&pfd, 1, 2000) == 1);
  char c;
  CHECK(::read(leak[0], &c, 1) == 0);
  ::close(leak[0]);

  std::string out = h.driver->log_path(s.labels, false);
  REQUIRE(wait_until([&] { return log_lines(out).size() >= 5; }, 3000));
  // stdin /dev/null; 0-2 and ls's own directory fd (3), nothing else.
  CHECK(log_lines(out) ==
        std::vector<std::string>{"/dev/null", "0", "1", "2", "3"});
  auto rec = read_record(h.driver->record_path(inst.id));
  REQUIRE(rec.ok());
  CHECK(read_text("/proc/" + std::to_string(rec->supervisor_pid) + "/comm") ==
        "shoal-supervise\n");
}

TEST_CASE("process driver force_stop: a stop that did not end it in time, SIGKILL to the group") {
  Harness h;
  Instance inst = h.start(h.spec("stubborn", 0, Harness::trap_loop("")));
  REQUIRE(h.wait_ready(inst));
  REQUIRE(h.driver->stop(inst.id, 600000).ok());  // a grace far past the caller's deadline
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  REQUIRE(h.driver->list().size() == 1);  // ignores SIGTERM: still running
  const std::int64_t t0 = now_ms();
  REQUIRE(h.driver->force_stop(inst.id).ok());
  CHECK(wait_until([&] { return h.driver->list().empty(); }, 3000));  // re-listed: gone
  CHECK(now_ms() - t0 < 3000);
  auto exits = h.wait_exits(1);
  REQUIRE(exits.size() == 1);
  CHECK(exits[0].id == inst.id);
  CHECK(exits[0].signal == SIGKILL);
  CHECK(::kill(static_cast<pid_t>(inst.pid), 0) != 0);
  CHECK(h.driver->force_stop(inst.id).ok());  // ended and consumed: nothing to do, no error
}
