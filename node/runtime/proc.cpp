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

namespace {

// A whole token of decimal digits that fits 64 bits.
bool decimal(std::string_view t, std::uint64_t* out) noexcept {
  if (t.empty()) return false;
  std::uint64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return false;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

}  // namespace

bool parse_proc_stat(std::string_view text, ProcStat* out) noexcept {
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ' ')
    return false;
  text.remove_prefix(close + 2);
  text = text.substr(0, text.find('\n'));
  ProcStat st;
  std::uint64_t utime = 0, stime = 0;
  // After ") " the space-separated tokens are fields 3 (state), 4, ...
  for (int field = 3; field <= 24; ++field) {
    const std::size_t sp = text.find(' ');
    const std::string_view t = text.substr(0, sp);
    bool ok = !t.empty();
    if (field == 3) {
      ok = t.size() == 1;
      st.state = ok ? t[0] : '?';
    } else if (field == 14) {
      ok = decimal(t, &utime);
    } else if (field == 15) {
      ok = decimal(t, &stime);
    } else if (field == 22) {
      ok = decimal(t, &st.start_time);
    } else if (field == 24) {
      ok = decimal(t, &st.rss_pages);
    }
    if (!ok || (sp == std::string_view::npos && field < 24)) return false;
    if (sp != std::string_view::npos) text.remove_prefix(sp + 1);
  }
  if (utime > UINT64_MAX - stime) return false;
  st.cpu_ticks = utime + stime;
  *out = st;
  return true;
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
    len = ::read(fd, buf, sizeof buf);
  } while (len < 0 && errno == EINTR);
  ::close(fd);
  return len > 0 && parse_proc_stat(std::string_view(buf, static_cast<std::size_t>(len)), out);
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
