#include "node/runtime/cgroup.hpp"

#include "node/runtime/cgroup2_paths.hpp"
#include "node/runtime/cgroup_files.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

namespace shoal::runtime {

CgroupBase find_cgroup_base(const std::string& mountinfo, const std::string& self_cgroup) {
  const std::string mount = cgroup2_mount(mountinfo);
  if (mount.empty()) return {{}, "no cgroup2 filesystem is mounted", {}};
  const std::string own = cgroup2_path(self_cgroup);
  if (own.empty() || own[0] != '/' || own.find("/..") != std::string::npos)
    return {{}, "no cgroup v2 membership in /proc/self/cgroup", {}};
  const std::string dir = mount + (own == "/" ? "" : own) + "/shoal";
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return {{}, "cannot create " + dir + ": " + std::strerror(errno), {}};
  if (::access((dir + "/cgroup.procs").c_str(), W_OK) != 0)
    return {{}, dir + " is not a writable cgroup: " + std::strerror(errno), {}};
  return {dir, {}, mount + (own == "/" ? "" : own)};
}

std::string cgroup_join_refused(const std::string& dir) {
  const std::string probe = dir + "/probe-" + std::to_string(::getpid());
  if (::mkdir(probe.c_str(), 0755) != 0 && errno != EEXIST)
    return "cannot create " + probe + ": " + std::strerror(errno);
  const std::string procs = probe + "/cgroup.procs";
  const pid_t child = ::fork();
  if (child == 0) ::_exit(cgroup_join(procs.c_str()) ? 0 : 1);
  int status = 0;
  const bool joined = child > 0 && ::waitpid(child, &status, 0) == child && WIFEXITED(status) &&
                      WEXITSTATUS(status) == 0;
  cgroup_remove(probe.c_str());
  return joined ? std::string() : "a process cannot join a cgroup below " + dir;
}

CgroupBase find_cgroup_base() {
  CgroupBase base =
      find_cgroup_base(read_cgroup_file("/proc/self/mountinfo"), read_cgroup_file("/proc/self/cgroup"));
  if (base.dir.empty()) return base;
  if (std::string why = cgroup_join_refused(base.dir); !why.empty()) return {{}, why, {}};
  return base;
}

std::string peer_cgroup_dir(const std::string& base, const std::string& data_dir) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(std::hash<std::string>{}(data_dir)));
  return base + "/" + hex;
}

void remove_empty_cgroups(const std::string& dir, bool and_dir) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_directory(ec)) ::rmdir(e.path().c_str());
  if (and_dir) ::rmdir(dir.c_str());
}

// --- below: after fork, async-signal-safe calls only ---

bool cgroup_join(const char* procs_path) noexcept {
  const int fd = ::open(procs_path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "0", 1) == 1;
  ::close(fd);
  return ok;
}

int cgroup_signal(const char* procs_path, const char* kill_path, int sig, char* buf,
                  std::size_t n, pid_t signalled_group) noexcept {
  if (sig == SIGKILL) {
    const int k = ::open(kill_path, O_WRONLY | O_CLOEXEC);
    if (k >= 0) {
      (void)!::write(k, "1", 1);
      ::close(k);
    }
  }
  const int fd = ::open(procs_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::size_t len = 0;
  for (ssize_t r; len + 1 < n && (r = ::read(fd, buf + len, n - 1 - len)) != 0;) {
    if (r < 0) {
      if (errno == EINTR) continue;
      break;
    }
    len += static_cast<std::size_t>(r);
  }
  ::close(fd);
  int count = 0;
  long pid = 0;
  bool digits = false;
  for (std::size_t i = 0; i <= len; ++i) {
    const char c = i < len ? buf[i] : '\n';
    if (c >= '0' && c <= '9') {
      pid = pid * 10 + (c - '0');
      digits = true;
    } else {
      const auto p = static_cast<pid_t>(pid);
      if (digits && pid > 1 && (signalled_group == 0 || ::getpgid(p) != signalled_group)) {
        ::kill(p, sig);
        if (sig == SIGTERM) ::kill(p, SIGCONT);
        ++count;
      }
      pid = 0;
      digits = false;
    }
  }
  return count;
}

long long oom_kill_count(const char* text, std::size_t len) noexcept {
  static const char kKey[] = "oom_kill ";
  const std::size_t k = sizeof kKey - 1;
  for (std::size_t i = 0; i + k <= len; ++i) {
    if ((i == 0 || text[i - 1] == '\n') && std::memcmp(text + i, kKey, k) == 0) {
      long long v = 0;
      for (std::size_t j = i + k; j < len && text[j] >= '0' && text[j] <= '9' && v < (1LL << 58); ++j)
        v = v * 10 + (text[j] - '0');
      return v;
    }
  }
  return 0;
}

long long cgroup_oom_kills(const char* path, char* buf, std::size_t n) noexcept {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t r;
  do {
    r = ::read(fd, buf, n);
  } while (r < 0 && errno == EINTR);
  ::close(fd);
  return r > 0 ? oom_kill_count(buf, static_cast<std::size_t>(r)) : 0;
}

void cgroup_remove(const char* dir) noexcept {
  for (int i = 0; i < 100; ++i) {
    if (::rmdir(dir) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) return;
    timespec ts{0, 10 * 1000 * 1000};
    ::nanosleep(&ts, nullptr);
  }
}

}  // namespace shoal::runtime
