#include "node/runtime/proc.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace shoal::runtime {

int format_uint(std::uint64_t v, char* buf) noexcept {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
  return n;
}

int format_int(std::int64_t v, char* buf) noexcept {
  if (v >= 0) return format_uint(static_cast<std::uint64_t>(v), buf);
  buf[0] = '-';
  return 1 + format_uint(static_cast<std::uint64_t>(-(v + 1)) + 1, buf + 1);
}

bool read_proc_stat(pid_t pid, ProcStat* out) noexcept {
  if (pid <= 0) return false;
  char path[48] = "/proc/";
  int n = 6 + format_uint(static_cast<std::uint64_t>(pid), path + 6);
  const char kTail[] = "/stat";
  for (unsigned i = 0; i < sizeof kTail; ++i) path[n + i] = kTail[i];
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  ssize_t len;
  do {
    len = ::read(fd, buf, sizeof buf - 1);
  } while (len < 0 && errno == EINTR);
  ::close(fd);
  if (len <= 0) return false;
  buf[len] = '\0';
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses, so find the LAST ')'.
  char* p = nullptr;
  for (char* q = buf; *q != '\0'; ++q)
    if (*q == ')') p = q;
  if (p == nullptr || p[1] != ' ') return false;
  p += 2;
  out->state = *p;
  // After ')' the tokens are fields 3, 4, ...; starttime is field 22.
  int field = 3;
  while (*p != '\0' && field < 22) {
    if (*p == ' ') ++field;
    ++p;
  }
  if (field != 22) return false;
  std::uint64_t v = 0;
  bool any = false;
  while (*p >= '0' && *p <= '9') {
    v = v * 10 + static_cast<std::uint64_t>(*p - '0');
    ++p;
    any = true;
  }
  if (!any) return false;
  out->start_time = v;
  return true;
}

bool process_matches(pid_t pid, std::uint64_t start_time) noexcept {
  ProcStat st;
  return read_proc_stat(pid, &st) && st.start_time == start_time && st.state != 'Z' &&
         st.state != 'X';
}

bool process_exists(pid_t pid, std::uint64_t start_time) noexcept {
  ProcStat st;
  return read_proc_stat(pid, &st) && st.start_time == start_time;
}

}  // namespace shoal::runtime
