#include "node/runtime/health.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "node/runtime/docker_driver.hpp"
#include "node/runtime/mono_clock.hpp"
#include "node/runtime/process_driver.hpp"

namespace shoal::runtime {
namespace {

std::string endpoint(const std::string& host, std::uint16_t port) {
  return host + ":" + std::to_string(port);
}

// Waits for `events` on fd until `deadline` (mono ms). Returns false on timeout or error.
bool wait_fd(int fd, short events, Millis deadline) {
  for (;;) {
    Millis left = deadline - mono_ms();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// A connected non-blocking socket, or -1 with `err` set.
int connect_to(const std::string& host, std::uint16_t port, Millis deadline, std::string& err) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) {
    err = "not an IPv4 address: " + host;
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    if (errno != EINPROGRESS) {
      err = "connect " + endpoint(host, port) + ": " + std::strerror(errno);
      ::close(fd);
      return -1;
    }
    if (!wait_fd(fd, POLLOUT, deadline)) {
      err = "connect " + endpoint(host, port) + ": timed out";
      ::close(fd);
      return -1;
    }
    int so = 0;
    socklen_t len = sizeof so;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &len);
    if (so != 0) {
      err = "connect " + endpoint(host, port) + ": " + std::strerror(so);
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

// After a send or recv that failed (errno set): true to try again once the socket is ready
// before `deadline`; else false, with `why` (the error, or "timed out").
bool may_retry(int fd, short events, Millis deadline, std::string& why) {
  if (errno != EAGAIN && errno != EINTR) {
    why = std::strerror(errno);
    return false;
  }
  if (wait_fd(fd, events, deadline)) return true;
  why = "timed out";
  return false;
}

}  // namespace

ProbeResult probe_tcp(const std::string& host, std::uint16_t port, Millis timeout) {
  std::string err;
  int fd = connect_to(host, port, mono_ms() + std::max<Millis>(timeout, 1), err);
  if (fd < 0) return {false, err};
  ::close(fd);
  return {true, "connected to " + endpoint(host, port)};
}

ProbeResult probe_http(const std::string& host, std::uint16_t port, const std::string& path,
                       Millis timeout) {
  Millis deadline = mono_ms() + std::max<Millis>(timeout, 1);
  std::string err;
  int fd = connect_to(host, port, deadline, err);
  if (fd < 0) return {false, err};
  std::string p = path.empty() || path[0] != '/' ? "/" + path : path;
  std::string req = "GET " + p + " HTTP/1.0\r\nHost: " + endpoint(host, port) +
                    "\r\nUser-Agent: shoal-health\r\nConnection: close\r\n\r\n";
  std::string why;
  auto failed = [&] {
    ::close(fd);
    return ProbeResult{false, "GET " + p + " on " + endpoint(host, port) + ": " + why};
  };
  std::size_t sent = 0;
  while (sent < req.size()) {
    ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n > 0) sent += static_cast<std::size_t>(n);
    else if (!may_retry(fd, POLLOUT, deadline, why)) return failed();
  }
  // Only the status line is needed: "HTTP/1.x NNN ...".
  std::string got;
  while (got.find("\r\n") == std::string::npos && got.size() < 4096) {
    char buf[512];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) got.append(buf, static_cast<std::size_t>(n));
    else if (n == 0) break;
    else if (!may_retry(fd, POLLIN, deadline, why)) return failed();
  }
  ::close(fd);
  int status = 0;
  if (got.rfind("HTTP/", 0) == 0) {
    std::size_t sp = got.find(' ');
    if (sp != std::string::npos && sp + 4 <= got.size()) {
      for (std::size_t i = sp + 1; i < sp + 4; ++i) {
        if (got[i] < '0' || got[i] > '9') {
          status = 0;
          break;
        }
        status = status * 10 + (got[i] - '0');
      }
    }
  }
  if (status == 0)
    return {false, "GET " + p + " on " + endpoint(host, port) + ": not an HTTP reply"};
  bool ok = status >= 200 && status <= 399;
  return {ok, "HTTP " + std::to_string(status)};
}

ProbeResult probe_exec(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env, Millis timeout,
                       const std::string& work_dir) {
  if (argv.empty()) return {false, "exec: empty command"};
  std::string path;
  if (auto it = env.find("PATH"); it != env.end()) path = it->second;
  if (path.empty()) {
    const char* p = std::getenv("PATH");
    path = p != nullptr && *p != '\0' ? p : "/usr/local/bin:/usr/bin:/bin";
  }
  auto exe = resolve_command(argv[0], path);
  if (!exe) return {false, exe.error().message};

  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> cargv, cenv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  for (auto& e : env_strings) cenv.push_back(e.data());
  cenv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  if (!work_dir.empty()) posix_spawn_file_actions_addchdir_np(&fa, work_dir.c_str());
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, exe->c_str(), &fa, &attr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return {false, "exec " + exe.value() + ": " + std::strerror(rc)};

  Millis deadline = mono_ms() + std::max<Millis>(timeout, 1);
  for (Millis wait = 1;; wait = std::min<Millis>(wait * 2, 20)) {
    int status = 0;
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) {
      if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        return {code == 0, "exit " + std::to_string(code)};
      }
      return {false, "killed by signal " + std::to_string(WTERMSIG(status))};
    }
    if (w < 0 && errno != EINTR) return {false, std::string("waitpid: ") + std::strerror(errno)};
    if (mono_ms() >= deadline) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      return {false, "exec " + argv[0] + ": timed out after " + std::to_string(timeout) + " ms"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
}

Millis capped_timeout(const config::HealthCheck& check) {
  return std::max<Millis>(1, std::min(check.timeout, check.interval - 1));
}

ProbeResult run_probe(const config::HealthCheck& check, const std::vector<HostPort>& ports,
                      const ExecFn& exec, const std::string& host) {
  using Kind = config::HealthCheck::Kind;
  if (check.kind == Kind::none) return {true, "no health check"};
  const Millis timeout = capped_timeout(check);
  if (check.kind == Kind::exec) {
    if (!exec) return {false, "exec health checks are not supported here"};
    return exec(check.exec, timeout);
  }
  auto it = std::find_if(ports.begin(), ports.end(),
                         [&](const HostPort& p) { return p.name == check.port; });
  if (it == ports.end() || it->host == 0)
    return {false, "health check port '" + check.port + "' has no host port"};
  if (check.kind == Kind::http) return probe_http(host, it->host, check.http_path, timeout);
  return probe_tcp(host, it->host, timeout);
}

ProbeResult Driver::exec_probe(const std::string&, const std::vector<std::string>&, Millis) {
  return {false, "exec health checks are not supported by this driver"};
}

ExecFn docker_exec_fn(DockerDriver& driver, std::string id) {
  return [&driver, id = std::move(id)](const std::vector<std::string>& argv, Millis timeout) {
    auto r = driver.exec(id, argv, timeout);
    if (!r) return ProbeResult{false, r.error().message};
    return ProbeResult{r->exit_code == 0, "exit " + std::to_string(r->exit_code)};
  };
}

ExecFn host_exec_fn(std::map<std::string, std::string> env) {
  return [env = std::move(env)](const std::vector<std::string>& argv, Millis timeout) {
    return probe_exec(argv, env, timeout);
  };
}

HealthTracker::HealthTracker(Millis interval, int retries, Millis started)
    : interval_(std::max<Millis>(interval, 1)),
      retries_(std::max(retries, 1)),
      next_due_(started) {}

std::optional<HealthTracker::State> HealthTracker::record(Millis now, bool passed) {
  next_due_ = now + interval_;
  State before = state_;
  if (passed) {
    failures_ = 0;
    state_ = State::healthy;
  } else {
    ++failures_;
    if (failures_ >= retries_) state_ = State::unhealthy;
  }
  if (state_ != before) return state_;
  return std::nullopt;
}

const char* to_string(HealthTracker::State s) {
  switch (s) {
    case HealthTracker::State::starting: return "starting";
    case HealthTracker::State::healthy: return "healthy";
    case HealthTracker::State::unhealthy: return "unhealthy";
  }
  return "?";
}

}  // namespace shoal::runtime
