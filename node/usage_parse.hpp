// Parsers of what the usage sampler (node/usage_sampler.hpp) reads: /proc/stat, /proc/meminfo,
// cgroup.procs and the container engine's `GET /containers/{id}/stats` answer (/proc/<pid>/stat
// and the cgroup v2 paths have their parsers in node/runtime/: proc.hpp, cgroup2_paths.hpp).
// All of it is treated as hostile: any text gives a value or nullopt, never an exception or a
// read past it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace shoal::node {

struct HostCpu {
  std::uint64_t busy = 0;   // all time but idle and iowait, in ticks
  std::uint64_t total = 0;
  int cpus = 0;             // "cpuN" lines
};
// /proc/stat: the aggregate "cpu" line and the count of per-cpu lines.
std::optional<HostCpu> parse_proc_cpu(std::string_view text);

struct HostMemory {
  std::uint64_t total_kib = 0;
  std::uint64_t available_kib = 0;
};
// /proc/meminfo: MemTotal and MemAvailable (both needed).
std::optional<HostMemory> parse_meminfo(std::string_view text);

// PIDs listed in a cgroup.procs text (at most `max`; junk lines skipped).
std::vector<std::int64_t> parse_pid_list(std::string_view text, std::size_t max);

struct EngineStats {
  std::uint64_t cpu_total_ns = 0;  // cpu_stats.cpu_usage.total_usage: cumulative
  std::uint64_t memory_bytes = 0;  // memory_stats.usage less the inactive page cache
};
// The body of `GET /containers/{id}/stats?stream=false` (Docker or Podman). Missing CPU or
// memory numbers read as 0 (an engine that has none for a container just started); a body that
// is not a JSON object, or whose numbers are negative, fractional or of the wrong type, gives
// nullopt.
std::optional<EngineStats> parse_engine_stats(std::string_view body);

}  // namespace shoal::node
