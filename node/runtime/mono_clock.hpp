// The runtime's clocks in milliseconds: `clock_ms` of any clock, `mono_ms` of the monotonic one
// (intervals and deadlines). Async-signal-safe (clock_gettime): the supervisor reads them after
// fork.
#pragma once

#include <time.h>

#include <cstdint>

namespace shoal::runtime {

inline std::int64_t clock_ms(clockid_t id) noexcept {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

inline std::int64_t mono_ms() noexcept { return clock_ms(CLOCK_MONOTONIC); }

}  // namespace shoal::runtime
