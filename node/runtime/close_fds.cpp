#include "node/runtime/close_fds.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace shoal::runtime {

void close_fds_from(int lowest) noexcept {
  if (lowest < 0) lowest = 0;
  if (::close_range(static_cast<unsigned>(lowest), ~0U, 0) == 0) return;
  if (close_fds_by_scan(lowest)) return;
  const long max = std::max(::sysconf(_SC_OPEN_MAX), 65536L);
  for (long fd = lowest; fd < max; ++fd) ::close(static_cast<int>(fd));
}

bool close_fds_by_scan(int lowest) noexcept {
  if (lowest < 0) lowest = 0;
  ::close(lowest);  // to be closed anyway: frees a slot for the folder when at the limit
  const int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  alignas(dirent64) char buf[4096];
  bool ok = true;
  for (;;) {
    const ssize_t n = ::getdents64(dir, buf, sizeof buf);
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    bool closed = false;
    for (ssize_t off = 0; off < n;) {
      const auto* d = reinterpret_cast<const dirent64*>(buf + off);
      off += d->d_reclen;
      long fd = 0;
      const char* p = d->d_name;
      if (*p < '0' || *p > '9') continue;  // "." and ".."
      for (; *p >= '0' && *p <= '9' && fd <= 0x7fffffff; ++p) fd = fd * 10 + (*p - '0');
      if (*p != '\0' || fd < lowest || fd > 0x7fffffff || fd == dir) continue;
      ::close(static_cast<int>(fd));
      closed = true;
    }
    // Start over after closing: the listing need not stay valid under our feet.
    if (closed && ::lseek(dir, 0, SEEK_SET) != 0) {
      ok = false;
      break;
    }
  }
  ::close(dir);
  return ok;
}

}  // namespace shoal::runtime
