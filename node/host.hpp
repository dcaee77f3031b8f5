// Facts about the host the peer runs on, read from the OS. Used by `shoal agent` for its
// defaults (name, advertise address, capacity). Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string>

namespace shoal::node {

// gethostname(), or "shoal" when it fails.
std::string host_name();
// Online CPUs x 1000 (sysconf(_SC_NPROCESSORS_ONLN)), at least 1000.
std::int64_t host_cpu_milli();
// MemTotal of /proc/meminfo in MiB (sysconf pages as a fallback), at least 1.
std::int64_t host_memory_mib();
// The first non-loopback IPv4 address of an up interface (getifaddrs), or "" if none.
std::string first_non_loopback_ipv4();
// True for 127.0.0.0/8, ::1 and ::ffff:127.x.
bool is_loopback_host(const std::string& host);
// True for "0.0.0.0", "::" and "".
bool is_unspecified_host(const std::string& host);

}  // namespace shoal::node
