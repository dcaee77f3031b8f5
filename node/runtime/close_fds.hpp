// Closing every file descriptor from a number up, between fork and exec, whatever
// RLIMIT_NOFILE says: descriptors above the current limit exist when the limit was lowered
// after they were opened (prlimit(2) on a running peer), and none may leak into an instance.
// Async-signal-safe (no allocation, no locks).
#pragma once

namespace shoal::runtime {

// close_range(2); on kernels without it (< 5.9), close_fds_by_scan; when /proc cannot be
// read either, one by one up to the larger of the limit and 65,536.
void close_fds_from(int lowest) noexcept;

// The descriptors /proc/self/fd lists from `lowest` up; false when /proc could not be read.
bool close_fds_by_scan(int lowest) noexcept;

}  // namespace shoal::runtime
