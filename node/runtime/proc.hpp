// /proc/<pid>/stat reading, used to tell a live process from a dead one or from a newer process
// that reused its PID. Async-signal-safe (no allocation): the supervisor calls it after fork.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace shoal::runtime {

struct ProcStat {
  char state = '?';             // R, S, D, Z, T, ...
  std::uint64_t start_time = 0; // field 22: clock ticks after boot; with the PID, unique
};

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
