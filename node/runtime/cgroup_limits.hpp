// A service's `resources` enforced on its process-driver instances through their cgroups:
// cpu as a CFS quota (cpu_milli / 1000 CPUs per 100 ms period), memory as a hard limit with no
// swap beyond it (the kernel's OOM killer ends the instance past it).
//
//   cgroup v2: cpu.max "QUOTA 100000", memory.max, memory.swap.max 0 (when the file exists);
//              the controllers are enabled for the instances by enable_v2_limits.
//   cgroup v1: cpu.cfs_period_us + cpu.cfs_quota_us in the cpu hierarchy, memory.limit_in_bytes
//              + memory.memsw.limit_in_bytes (when the file exists) in the memory one.
//
// Everything here runs in the peer, before the supervisor's fork; every path is given, so the
// unit tests drive it on a temporary folder laid out like a cgroup tree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "config/validate_spec.hpp"

namespace shoal::runtime {

inline constexpr std::int64_t kCpuPeriodUs = 100000;

struct LimitFile {
  std::string path, value;
  bool optional = false;  // skipped when the file does not exist (swap accounting is off)
};

// The CFS quota in µs per kCpuPeriodUs for `cpu_milli` (at least the kernel's 1 ms).
std::int64_t cpu_quota_us(std::int64_t cpu_milli);

// The files to write in instance cgroup `dir` (v2), or in its cpu and memory folders (v1), for
// `r`; a zero resource gets no file (no limit).
std::vector<LimitFile> v2_limit_files(const std::string& dir, const config::Resources& r);
std::vector<LimitFile> v1_cpu_files(const std::string& dir, std::int64_t cpu_milli);
std::vector<LimitFile> v1_memory_files(const std::string& dir, std::int64_t memory_mib);

// Writes them in order; empty, or what failed ("cannot write <path>: <why>").
std::string write_limit_files(const std::vector<LimitFile>& files);

// v2: makes cpu and memory controllers available to the instance cgroups below `peer_dir`
// (a child of `base`): "+cpu +memory" into both subtree_controls, once `base` is offered them
// (its cgroup.controllers, which its parent's subtree_control decides). Empty, or why not.
std::string enable_v2_limits(const std::string& base, const std::string& peer_dir);

}  // namespace shoal::runtime
