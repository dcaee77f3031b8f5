/* A wall clock that a test can step: LD_PRELOAD=clockshift.so with SHOAL_CHAOS_CLOCK_FILE=PATH,
 * PATH holding a signed offset in milliseconds ("60000", "-60000", "0"). CLOCK_REALTIME (and its
 * _COARSE variant), gettimeofday() and time() return the real time plus that offset; the
 * monotonic clocks are untouched, as in a real clock step. The file is read again at most every
 * 50 ms of monotonic time, so a running process sees a step within 50 ms of the write. A missing
 * or unreadable file means offset 0.
 *
 * For scripts/chaos only (the clock-ahead / clock-behind scenarios): the agent keeps reading the
 * wall clock as always (std::chrono::system_clock -> clock_gettime); a time namespace cannot do
 * this, it offsets only the monotonic and boot clocks (time_namespaces(7)). No production code
 * knows about it. Built by scripts/chaos with `cc -shared -fPIC`.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static _Atomic long long offset_ns;
static _Atomic long long next_read_ns = -1;

static int real_clock_gettime(clockid_t id, struct timespec* ts) {
  /* The raw system call: no dlsym (not async-signal-safe), and nothing to recurse into. */
  return (int)syscall(SYS_clock_gettime, id, ts);
}

static long long parse_ms(const char* s) {
  long long v = 0;
  int neg = 0;
  while (*s == ' ' || *s == '\t') s++;
  if (*s == '-' || *s == '+') neg = *s++ == '-';
  while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
  return neg ? -v : v;
}

/* Only open/read/close: the agent's forked supervisors call the clock between fork and exec. */
static long long current_offset_ns(void) {
  struct timespec m;
  real_clock_gettime(CLOCK_MONOTONIC, &m);
  long long now = (long long)m.tv_sec * 1000000000LL + m.tv_nsec;
  if (now >= atomic_load(&next_read_ns)) {
    atomic_store(&next_read_ns, now + 50000000LL);
    const char* path = getenv("SHOAL_CHAOS_CLOCK_FILE");
    long long off = 0;
    if (path) {
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        char buf[32];
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n > 0) {
          buf[n] = '\0';
          off = parse_ms(buf) * 1000000LL;
        }
      }
    }
    atomic_store(&offset_ns, off);
  }
  return atomic_load(&offset_ns);
}

static void shift(struct timespec* ts, long long off) {
  long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec + off;
  ts->tv_sec = (time_t)(ns / 1000000000LL);
  ts->tv_nsec = (long)(ns % 1000000000LL);
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += 1000000000L;
    ts->tv_sec -= 1;
  }
}

int clock_gettime(clockid_t id, struct timespec* ts) {
  int rc = real_clock_gettime(id, ts);
  if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) shift(ts, current_offset_ns());
  return rc;
}

int gettimeofday(struct timeval* tv, void* tz) {
  (void)tz;
  struct timespec ts;
  int rc = clock_gettime(CLOCK_REALTIME, &ts);
  if (rc == 0) {  /* tv: declared nonnull by glibc */
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  return rc;
}

time_t time(time_t* out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}
