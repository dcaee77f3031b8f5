// The monotonic clock in milliseconds, the runtime's one time source for intervals and deadlines.
// Async-signal-safe (clock_gettime): the supervisor reads it after fork.
#pragma once

#include <time.h>

#include <cstdint>

namespace shoal::runtime {

inline std::int64_t mono_ms() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace shoal::runtime
