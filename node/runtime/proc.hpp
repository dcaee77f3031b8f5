// /proc/<pid>/stat reading and parsing: the one parser, used to tell a live process from a dead
// one or from a newer process that reused its PID, and by the usage sampler for CPU time and RSS.
// Async-signal-safe (no allocation): the supervisor calls it after fork.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>

namespace shoal::runtime {

struct ProcStat {
  char state = '?';             // R, S, D, Z, T, ...
  std::uint64_t cpu_ticks = 0;  // utime + stime (fields 14 and 15), in clock ticks
  std::uint64_t start_time = 0; // field 22: clock ticks after boot; with the PID, unique
  std::uint64_t rss_pages = 0;  // field 24
};

// One /proc/<pid>/stat text ("pid (comm) S ppid ..."). The command may hold spaces and ')', so
// the fields are counted after the last ')'. Treated as hostile: false when a field up to 24 is
// missing, a needed one is not a plain decimal, or a sum overflows; never reads past `text`.
bool parse_proc_stat(std::string_view text, ProcStat* out) noexcept;

// False when the process does not exist (or /proc cannot be read).
bool read_proc_stat(pid_t pid, ProcStat* out) noexcept;

// True when `pid` exists, is not a zombie, and started at `start_time`.
bool process_matches(pid_t pid, std::uint64_t start_time) noexcept;

// True when `pid` exists (zombie included) and started at `start_time`.
bool process_exists(pid_t pid, std::uint64_t start_time) noexcept;

// Writes the decimal digits of v into buf (no terminator); returns their count. Async-safe.
int format_uint(std::uint64_t v, char* buf) noexcept;
int format_int(std::int64_t v, char* buf) noexcept;

}  // namespace shoal::runtime
