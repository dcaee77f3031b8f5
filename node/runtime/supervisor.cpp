#include "node/runtime/supervisor.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "node/runtime/cgroup.hpp"
#include "node/runtime/close_fds.hpp"
#include "node/runtime/heartbeat_watch.hpp"
#include "node/runtime/log_stamp.hpp"
#include "node/runtime/mono_clock.hpp"
#include "node/runtime/proc.hpp"

namespace shoal::runtime {

void SupervisorPlan::prepare() {
  argv.clear();
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  envp.clear();
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  record_tmp_path = record_path + ".tmp";
  auto slash = record_path.rfind('/');
  record_dir = slash == std::string::npos ? "." : record_path.substr(0, slash);
  cgroup_joins.clear();
  for (const auto& d : cgroup_dirs) cgroup_joins.push_back(d + "/cgroup.procs");
  if (!cgroup_dirs.empty()) {
    cgroup_procs = cgroup_joins[0];
    cgroup_kill = cgroup_dirs[0] + "/cgroup.kill";
  }
  io_buf.assign(64 * 1024, '\0');
  stamp_buf.assign(64 * 1024, '\0');
  rec_buf.assign(record_static.size() + 1024, '\0');
}

namespace {

// --- everything below runs after fork: async-signal-safe calls only ---

std::int64_t wall_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t wall_ms() noexcept { return wall_ns() / 1'000'000; }

bool write_all(int fd, const char* p, std::size_t n) noexcept {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Appends to a preallocated buffer; silently truncates (the buffer is sized to fit).
struct Buf {
  char* p;
  std::size_t cap, len = 0;
  void add(const char* s, std::size_t n) noexcept {
    if (n > cap - len) n = cap - len;
    std::memcpy(p + len, s, n);
    len += n;
  }
  void add(const char* s) noexcept { add(s, std::strlen(s)); }
  void add_int(std::int64_t v) noexcept {
    char tmp[24];
    add(tmp, static_cast<std::size_t>(format_int(v, tmp)));
  }
  void kv(const char* key, std::int64_t v) noexcept {
    add(key);
    add("=", 1);
    add_int(v);
    add("\n", 1);
  }
};

struct Dynamic {
  std::int64_t supervisor_pid = 0;
  std::uint64_t supervisor_start = 0;
  std::int64_t pid = 0;
  std::uint64_t start_time = 0;
  bool exited = false;
  const char* reason = "exited";
  int exit_code = -1, signal = 0;
  std::int64_t ended_at = 0;
  long long oom_kills = 0;
};

bool write_record(SupervisorPlan& p, const Dynamic& d) noexcept {
  Buf b{p.rec_buf.data(), p.rec_buf.size()};
  b.add(p.record_static.data(), p.record_static.size());
  b.kv("supervisor_pid", d.supervisor_pid);
  b.kv("supervisor_start", static_cast<std::int64_t>(d.supervisor_start));
  b.kv("pid", d.pid);
  b.kv("pgid", d.pid);
  b.kv("start_time", static_cast<std::int64_t>(d.start_time));
  b.add(d.exited ? "state=exited\n" : "state=running\n");
  if (d.exited) {
    b.add("reason=");
    b.add(d.reason);
    b.add("\n", 1);
    b.kv("exit_code", d.exit_code);
    b.kv("signal", d.signal);
    b.kv("ended_at_ms", d.ended_at);
    if (d.oom_kills > 0) b.kv("oom_kills", d.oom_kills);
  }
  int fd = ::open(p.record_tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = write_all(fd, b.p, b.len) && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  ok = ok && ::rename(p.record_tmp_path.c_str(), p.record_path.c_str()) == 0;
  int dfd = ::open(p.record_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return ok;
}

// A size-rotated log file: paths[0] is live, paths[i] the i-th older one.
struct LogSink {
  const std::string* paths;
  int count;
  std::int64_t limit;
  int fd = -1;

  void open_live() noexcept {
    fd = ::open(paths[0].c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    ::fchmod(fd, 0600);  // a log an older version left 0644
    // A line the last writer left unfinished (killed mid-line) ends here, so the next line
    // starts with its own time.
    struct stat st;
    char last = '\n';
    if (::fstat(fd, &st) == 0 && st.st_size > 0 && ::pread(fd, &last, 1, st.st_size - 1) == 1 &&
        last != '\n')
      write_all(fd, "\n", 1);
  }
  void rotate() noexcept {
    struct stat live, mine;
    bool same = fd >= 0 && ::fstat(fd, &mine) == 0 && ::stat(paths[0].c_str(), &live) == 0 &&
                live.st_ino == mine.st_ino && live.st_dev == mine.st_dev;
    if (same && count == 1) {  // keep no old file: start the live one over
      if (::ftruncate(fd, 0) == 0) return;
    } else if (same) {  // else another writer (a second copy of this instance) rotated it already
      for (int i = count - 1; i >= 1; --i) ::rename(paths[i - 1].c_str(), paths[i].c_str());
    }
    if (fd >= 0) ::close(fd);
    open_live();
  }
  std::int64_t size() const noexcept {
    struct stat st;
    return fd >= 0 && ::fstat(fd, &st) == 0 ? static_cast<std::int64_t>(st.st_size) : 0;
  }
  void write(const char* data, std::size_t n) noexcept {
    if (fd < 0) open_live();
    if (fd < 0) return;  // nowhere to write: drop (the pipe must keep draining)
    int rotations = 0;
    while (n > 0) {
      if (limit <= 0 || rotations > 2) {
        write_all(fd, data, n);
        return;
      }
      std::int64_t room = limit - size();
      if (room >= static_cast<std::int64_t>(n)) {
        write_all(fd, data, n);
        return;
      }
      // Fill up to the limit, ending on a line break when there is one.
      std::size_t take = 0;
      for (std::size_t i = room > 0 ? static_cast<std::size_t>(room) : 0; i > 0; --i) {
        if (data[i - 1] == '\n') {
          take = i;
          break;
        }
      }
      if (take == 0 && room > 0 && room == limit) take = static_cast<std::size_t>(room);
      if (take > 0) {
        write_all(fd, data, take);
        data += take;
        n -= take;
        rotations = 0;
      } else {
        ++rotations;
      }
      rotate();
    }
  }
};

[[noreturn]] void fail_ready(int ready_fd, std::int32_t stage, int err) noexcept {
  ReadyMessage m;
  m.ok = 0;
  m.stage = stage;
  m.error = err;
  write_all(ready_fd, reinterpret_cast<const char*>(&m), sizeof m);
  ::_exit(1);
}

// The instance: a new session and process group, the pipes as stdout/stderr, then exec.
[[noreturn]] void exec_instance(SupervisorPlan& p, int out_w, int err_w, int ex_w) noexcept {
  struct sigaction sa{};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD}) ::sigaction(s, &sa, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setsid();
  std::int32_t report[2] = {ReadyMessage::kCgroup, 0};
  for (const auto& procs : p.cgroup_joins) {  // none: the process group alone
    if (!cgroup_join(procs.c_str()) && p.cgroup_limited) {
      report[1] = errno;
      write_all(ex_w, reinterpret_cast<const char*>(report), sizeof report);
      ::_exit(127);
    }
  }
  ::dup2(out_w, 1);
  ::dup2(err_w, 2);
  ::dup2(ex_w, 3);
  ::fcntl(3, F_SETFD, FD_CLOEXEC);
  close_fds_from(4);
  report[0] = ReadyMessage::kChdir;
  if (::chdir(p.work_dir.c_str()) == 0) {
    ::execve(p.exec_path.c_str(), p.argv.data(), p.envp.data());
    report[0] = ReadyMessage::kExec;
  }
  report[1] = errno;
  write_all(3, reinterpret_cast<const char*>(report), sizeof report);
  ::_exit(127);
}

// Out of the peer's world: default signal handling (the terminal ones and SIGPIPE ignored,
// SIGCHLD and SIGTERM blocked for the signalfd), a session of its own, /dev/null on 0-2 and
// the ready pipe on 3, nothing else inherited. Returns the ready pipe's fd (3).
int isolate(int ready_fd, const sigset_t& handled) noexcept {
  struct sigaction sa{};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s)
    if (s != SIGKILL && s != SIGSTOP) ::sigaction(s, &sa, nullptr);
  sa.sa_handler = SIG_IGN;
  for (int s : {SIGPIPE, SIGHUP, SIGINT, SIGQUIT}) ::sigaction(s, &sa, nullptr);
  ::sigprocmask(SIG_SETMASK, &handled, nullptr);
  ::setsid();  // out of the peer's session: its terminal's ^C and hangup do not reach us
  ::prctl(PR_SET_NAME, "shoal-supervise", 0, 0, 0);  // how `ps` shows it
  // The ready pipe moves out of 0-2 first (so /dev/null does not replace it) to the lowest free
  // fd above them: any fixed higher number fails (EINVAL) under a small RLIMIT_NOFILE.
  int ready = ready_fd > 2 ? ready_fd : ::fcntl(ready_fd, F_DUPFD, 3);
  if (ready < 0) ::_exit(1);
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    for (int fd = 0; fd <= 2; ++fd) ::dup2(null_fd, fd);
  }
  ::dup2(ready, 3);
  close_fds_from(4);
  if (::chdir("/") != 0) {  // hold no directory busy; every path in the plan is absolute
  }
  return 3;
}

// The instance's process after fork and its output pipes (the supervisor's read ends).
struct Launched {
  pid_t child = -1;
  int out_r = -1, err_r = -1;
};

// Forks and execs the instance; fails the ready pipe (and exits) if it cannot run.
Launched launch(SupervisorPlan& p, int ready) noexcept {
  int out_pipe[2], err_pipe[2], ex_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
      ::pipe2(ex_pipe, O_CLOEXEC) != 0)
    fail_ready(ready, ReadyMessage::kSetup, errno);
  pid_t child = ::fork();
  if (child < 0) fail_ready(ready, ReadyMessage::kSetup, errno);
  if (child == 0) exec_instance(p, out_pipe[1], err_pipe[1], ex_pipe[1]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  ::close(ex_pipe[1]);
  // EOF on the exec pipe = execve succeeded (it is close-on-exec); data = the errno.
  std::int32_t report[2];
  ssize_t got;
  do {
    got = ::read(ex_pipe[0], report, sizeof report);
  } while (got < 0 && errno == EINTR);
  ::close(ex_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof report)) {
    int status;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    fail_ready(ready, report[0], report[1]);
  }
  return {child, out_pipe[0], err_pipe[0]};
}

// The instance from its start to its end and the last of its output: stops on SIGTERM (the
// peer's grace, or the default), SIGKILL past the grace, stops an orphan whose peer's
// heartbeat went stale.
struct Supervision {
  SupervisorPlan& p;
  Dynamic& d;
  LogSink& out;
  LogSink& err;
  LineStamper out_lines, err_lines;  // per-line arrival times (log_stamp.hpp)
  Launched l;
  int sfd;
  bool in_cgroup;
  std::int64_t now, check_every, next_check, kill_at = LLONG_MAX, drain_until = 0;
  HeartbeatWatch heartbeat;
  bool done = false, stopping = false;
  int status = 0;

  Supervision(SupervisorPlan& plan, Dynamic& dyn, LogSink& o, LogSink& e, Launched launched, int signal_fd)
      : p(plan), d(dyn), out(o), err(e),
        out_lines(plan.stamp_buf.data(), plan.stamp_buf.size()),
        err_lines(plan.stamp_buf.data(), plan.stamp_buf.size()), l(launched), sfd(signal_fd),
        in_cgroup(!plan.cgroup_dirs.empty()), now(mono_ms()),
        check_every(heartbeat_check_every(plan.orphan_timeout)), next_check(now + check_every),
        heartbeat(read_heartbeat_sig(plan.heartbeat_path), now) {}

  // `sig` to the instance: its process group, and its cgroup (what left the group: setsid).
  void signal_all(int sig) noexcept {
    ::kill(-l.child, sig);
    if (in_cgroup)
      cgroup_signal(p.cgroup_procs.c_str(), p.cgroup_kill.c_str(), sig, p.io_buf.data(),
                    p.io_buf.size(), l.child);
  }

  void begin_stop(std::int64_t grace, const char* why) noexcept {
    if (done) return;
    if (grace < 0) grace = 0;
    if (!stopping) {
      stopping = true;
      d.reason = why;
      signal_all(SIGTERM);
      ::kill(-l.child, SIGCONT);  // a stopped process must run to see the SIGTERM
      kill_at = now + grace;
    } else if (now + grace < kill_at) {
      kill_at = now + grace;
    }
  }

  // The instance's output into the log files; a closed pipe stops being read.
  void pump(const pollfd* fds) noexcept {
    for (int i = 1; i <= 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t r = ::read(fds[i].fd, p.io_buf.data(), p.io_buf.size());
      if (r > 0) {
        LogSink& sink = i == 1 ? out : err;
        (i == 1 ? out_lines : err_lines)
            .feed(p.io_buf.data(), static_cast<std::size_t>(r), wall_ns(),
                  [&sink](const char* data, std::size_t n) { sink.write(data, n); });
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(fds[i].fd);
        (i == 1 ? l.out_r : l.err_r) = -1;
      }
    }
  }

  // SIGTERM from the peer: a stop with the grace it queued (sigqueue), else the default.
  void take_signals() noexcept {
    signalfd_siginfo si;
    while (::read(sfd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
      if (si.ssi_signo == SIGTERM) {
        std::int64_t grace = si.ssi_code == SI_QUEUE ? si.ssi_int : p.default_grace;
        begin_stop(grace, "stopped");
      }
    }
  }

  // Reaped? Past the grace? An orphan?
  void check() noexcept {
    if (done) return;
    if (::waitpid(l.child, &status, WNOHANG) == l.child) {
      done = true;
      signal_all(SIGKILL);  // what the main process left behind, in its group or cgroup
      drain_until = now + 500;
      return;
    }
    if (stopping && now >= kill_at) {
      signal_all(SIGKILL);
      kill_at = LLONG_MAX;
    }
    if (now >= next_check) {
      next_check = now + check_every;
      if (heartbeat.stale(read_heartbeat_sig(p.heartbeat_path), now, p.orphan_timeout) && !stopping)
        begin_stop(p.default_grace, "orphaned");
    }
  }

  void run() noexcept {
    for (;;) {
      now = mono_ms();
      std::int64_t wake = done ? drain_until : (next_check < kill_at ? next_check : kill_at);
      std::int64_t timeout = wake - now;
      if (timeout < 0) timeout = 0;
      pollfd fds[3] = {{sfd, POLLIN, 0}, {l.out_r, POLLIN, 0}, {l.err_r, POLLIN, 0}};
      int n = ::poll(fds, 3, static_cast<int>(timeout));
      now = mono_ms();
      if (n > 0) {
        pump(fds);
        if (fds[0].revents != 0) take_signals();
      }
      check();
      if (done && ((l.out_r < 0 && l.err_r < 0) || now >= drain_until)) {
        out_lines.finish([this](const char* data, std::size_t n) { out.write(data, n); });
        err_lines.finish([this](const char* data, std::size_t n) { err.write(data, n); });
        return;
      }
    }
  }

  // The end: nothing of the instance left, its cgroups gone, the record says how it ended.
  [[noreturn]] void finish() noexcept {
    if (in_cgroup) {
      signal_all(SIGKILL);
      if (!p.oom_path.empty())
        d.oom_kills = cgroup_oom_kills(p.oom_path.c_str(), p.io_buf.data(), p.io_buf.size());
      for (const auto& dir : p.cgroup_dirs) cgroup_remove(dir.c_str());
    }
    d.exited = true;
    if (WIFEXITED(status)) d.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) d.signal = WTERMSIG(status);
    d.ended_at = wall_ms();
    write_record(p, d);
    ::_exit(0);
  }
};

// The instance runs: its record written (else it is killed and the start fails), then the
// ready message to the peer.
void report_started(SupervisorPlan& p, Dynamic& d, pid_t child, int ready) noexcept {
  d.pid = child;
  ProcStat cs;
  if (read_proc_stat(child, &cs)) d.start_time = cs.start_time;  // a zombie still has it
  if (!write_record(p, d)) {
    int e = errno;
    ::kill(-child, SIGKILL);
    if (!p.cgroup_dirs.empty())
      cgroup_signal(p.cgroup_procs.c_str(), p.cgroup_kill.c_str(), SIGKILL, p.io_buf.data(),
                    p.io_buf.size(), child);
    int status;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    fail_ready(ready, ReadyMessage::kRecord, e);
  }
  ReadyMessage m;
  m.ok = 1;
  m.pid = child;
  m.start_time = d.start_time;
  m.supervisor_start = d.supervisor_start;
  write_all(ready, reinterpret_cast<const char*>(&m), sizeof m);
  ::close(ready);
}

}  // namespace

[[noreturn]] void run_supervisor(SupervisorPlan& p, int ready_fd) noexcept {
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGTERM);
  const int ready = isolate(ready_fd, handled);

  Dynamic d;
  d.supervisor_pid = ::getpid();
  ProcStat self;
  if (read_proc_stat(::getpid(), &self)) d.supervisor_start = self.start_time;

  LogSink out{p.out_paths.data(), static_cast<int>(p.out_paths.size()), p.rotate_bytes};
  LogSink err{p.err_paths.data(), static_cast<int>(p.err_paths.size()), p.rotate_bytes};
  out.open_live();
  err.open_live();
  int sfd = ::signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) fail_ready(ready, ReadyMessage::kSetup, errno);
  const Launched l = launch(p, ready);
  report_started(p, d, l.child, ready);
  Supervision s(p, d, out, err, l, sfd);
  s.run();
  s.finish();
}

}  // namespace shoal::runtime
