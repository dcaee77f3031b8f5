#include "node/runtime/orphan_watchdog.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string_view>

#include "node/runtime/close_fds.hpp"
#include "node/runtime/docker_driver.hpp"
#include "node/runtime/heartbeat_watch.hpp"
#include "node/runtime/mono_clock.hpp"
#include "node/runtime/proc.hpp"

namespace shoal::runtime {
namespace {

constexpr off_t kLogKeepBytes = 1 << 20;  // the log restarts empty past this size

// One line a call, "2026-12-07T01:02:03.456Z watchdog[123]: ...", appended to watchdog.log.
class Log {
 public:
  explicit Log(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) {
    struct stat st;
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0 && st.st_size > kLogKeepBytes) {
      if (::ftruncate(fd_, 0) != 0) {
      }
    }
  }
  ~Log() {
    if (fd_ >= 0) ::close(fd_);
  }
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  void line(std::string_view text) const {
    if (fd_ < 0) return;
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    tm t{};
    ::gmtime_r(&ts.tv_sec, &t);
    char when[40];
    std::size_t n = ::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &t);
    std::snprintf(when + n, sizeof when - n, ".%03ldZ", ts.tv_nsec / 1000000);
    std::string out = std::string(when) + " watchdog[" + std::to_string(::getpid()) + "]: ";
    out.append(text);
    out += '\n';
    if (::write(fd_, out.data(), out.size()) < 0) {
    }
  }

 private:
  int fd_;
};

// The lock, taken within about a second (an agent's probe of it holds it for microseconds);
// -1 when another watchdog holds it, -2 (errno set) when it cannot be opened.
int take_lock(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -2;
  for (int i = 0; i < 20; ++i) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return fd;
    if (errno != EWOULDBLOCK && errno != EINTR) break;
    ::usleep(50000);
  }
  ::close(fd);
  return -1;
}

void write_holder(int fd) {
  ProcStat st;
  std::uint64_t start = read_proc_stat(::getpid(), &st) ? st.start_time : 0;
  std::string text = std::to_string(::getpid()) + " " + std::to_string(start) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) < 0) {
  }
}

// Waits up to `ms` for one of the blocked signals in `set`: its number, or 0 after `ms`.
int wait_signal(const sigset_t& set, config::Millis ms) {
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1000000};
  for (;;) {
    int s = ::sigtimedwait(&set, nullptr, &ts);
    if (s > 0) return s;
    if (errno != EINTR) return 0;
  }
}

// Whether /proc/<pid>/cmdline is `... watchdog ...` (argv[1]): the agent signals the holder the
// lock file names only when it is one (the file is data, the PID could be anybody's).
bool is_watchdog_process(pid_t pid) {
  int fd = ::open(("/proc/" + std::to_string(pid) + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return false;
  std::string_view args(buf, static_cast<std::size_t>(n));
  std::size_t end0 = args.find('\0');
  if (end0 == std::string_view::npos) return false;
  return args.substr(end0 + 1).starts_with(std::string_view("watchdog\0", 9));
}

// Engine errors while acting, logged when they change or once a minute (an engine down for
// hours must not fill the disk).
class ErrorNote {
 public:
  void operator()(const Log& log, const std::string& text) {
    const config::Millis now = mono_ms();
    if (text == last_ && now - at_ < 60000) return;
    last_ = text;
    at_ = now;
    log.line(text);
  }

 private:
  std::string last_;
  config::Millis at_ = 0;
};

enum class Outcome { done, heartbeat_back, retry };

// Removes every running container of the peer, reading the heartbeat again before each one.
Outcome stop_containers(DockerDriver& driver, HeartbeatWatch& watch, const WatchdogOptions& o,
                        const Log& log, ErrorNote& errors) {
  const std::string beat = o.data_dir + "/heartbeat";
  auto listed = driver.list_checked();
  if (!listed) {
    errors(log, "cannot list the containers of peer " + o.peer + " (retrying): " +
                    listed.error().message);
    return Outcome::retry;
  }
  bool failed = false;
  for (const Instance& inst : listed.value()) {
    if (!watch.stale(read_heartbeat_sig(beat), mono_ms(), o.orphan_timeout)) {
      return Outcome::heartbeat_back;
    }
    Status s = driver.force_stop(inst.id);
    const std::string what = inst.labels.service + "[" + std::to_string(inst.labels.index) +
                             "] (" + inst.id.substr(0, 12) + ")";
    if (s) {
      log.line("removed " + what);
    } else {
      errors(log, "cannot remove " + what + " (retrying): " + s.error().message);
      failed = true;
    }
  }
  if (failed) return Outcome::retry;
  log.line("removed " + std::to_string(listed->size()) + " container(s) of peer " + o.peer +
           "; exiting");
  return Outcome::done;
}

}  // namespace

std::string watchdog_lock_path(const std::string& data_dir) { return data_dir + "/watchdog.lock"; }
std::string watchdog_log_path(const std::string& data_dir) { return data_dir + "/watchdog.log"; }

int run_orphan_watchdog(const WatchdogOptions& o) {
  close_fds_from(3);
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);

  Log log(watchdog_log_path(o.data_dir));
  int lock = take_lock(watchdog_lock_path(o.data_dir));
  if (lock == -2) {
    log.line("cannot open " + watchdog_lock_path(o.data_dir) + ": " + std::strerror(errno));
    return 2;
  }
  if (lock == -1) return 0;  // another watchdog watches this data_dir
  write_holder(lock);

  const std::string beat = o.data_dir + "/heartbeat";
  const config::Millis every = heartbeat_check_every(o.orphan_timeout);
  DockerDriverOptions d;
  d.peer = o.peer;
  d.socket = o.socket;
  d.timeout = o.engine_timeout;
  d.log = [&log](std::string_view l) { log.line(l); };
  DockerDriver driver(std::move(d));
  HeartbeatWatch watch(read_heartbeat_sig(beat), mono_ms());
  log.line("watching " + beat + " for peer " + o.peer + ": orphan_timeout " +
           std::to_string(o.orphan_timeout) + " ms, read every " + std::to_string(every) + " ms");
  bool acting = false;
  ErrorNote errors;
  for (;;) {
    if (int s = wait_signal(set, every); s != 0) {
      log.line(std::string("exiting on ") + ::strsignal(s) + ", nothing removed");
      return 0;
    }
    const config::Millis now = mono_ms();
    if (!watch.stale(read_heartbeat_sig(beat), now, o.orphan_timeout)) {
      if (acting) log.line("the heartbeat changed again: the agent is back; watching");
      acting = false;
      continue;
    }
    if (!acting) {
      log.line("the heartbeat has not changed for " + std::to_string(now - watch.heard()) +
               " ms: removing the containers of peer " + o.peer);
    }
    acting = true;
    switch (stop_containers(driver, watch, o, log, errors)) {
      case Outcome::done: return 0;
      case Outcome::heartbeat_back:
        log.line("the heartbeat changed again before the rest was removed: watching");
        acting = false;
        break;
      case Outcome::retry: break;
    }
  }
}

std::optional<WatchdogHolder> watchdog_holder(const std::string& data_dir) {
  int fd = ::open(watchdog_lock_path(data_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<WatchdogHolder> out;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::close(fd);  // free: nobody holds it
    return out;
  }
  char buf[64] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  if (n <= 0) return out;
  // "<pid> <start time>\n", parsed strictly (std::from_chars: no overflow, no sign games).
  const char* end = buf + n;
  std::int32_t pid = 0;
  std::uint64_t start = 0;
  auto [p1, e1] = std::from_chars(buf, end, pid);
  if (e1 != std::errc() || p1 == end || *p1 != ' ') return out;
  auto [p2, e2] = std::from_chars(p1 + 1, end, start);
  if (e2 != std::errc() || pid <= 0 || start == 0) return out;
  if (!process_matches(static_cast<pid_t>(pid), start) ||
      !is_watchdog_process(static_cast<pid_t>(pid)))
    return out;
  return WatchdogHolder{static_cast<pid_t>(pid), start};
}

bool watchdog_lock_held(const std::string& data_dir) {
  int fd = ::open(watchdog_lock_path(data_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the shared lock when it was taken
  return held;
}

}  // namespace shoal::runtime
