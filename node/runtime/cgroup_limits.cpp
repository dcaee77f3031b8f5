#include "node/runtime/cgroup_limits.hpp"

#include "node/runtime/cgroup_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shoal::runtime {

namespace {

constexpr std::int64_t kMiB = 1024 * 1024;

// Bounded as validation bounds them (a spec that skipped it must not overflow here).
std::string bytes_of(std::int64_t mib) {
  return std::to_string(std::min(mib, config::kMaxMemoryMib) * kMiB);
}


}  // namespace

std::int64_t cpu_quota_us(std::int64_t cpu_milli) {
  return std::max<std::int64_t>(1000,
                                std::min(cpu_milli, config::kMaxCpuMilli) * kCpuPeriodUs / 1000);
}

std::vector<LimitFile> v2_limit_files(const std::string& dir, const config::Resources& r) {
  std::vector<LimitFile> out;
  if (r.cpu_milli > 0)
    out.push_back({dir + "/cpu.max",
                   std::to_string(cpu_quota_us(r.cpu_milli)) + " " + std::to_string(kCpuPeriodUs)});
  if (r.memory_mib > 0) {
    out.push_back({dir + "/memory.max", bytes_of(r.memory_mib)});
    out.push_back({dir + "/memory.swap.max", "0", true});
    // Past the limit the kernel kills the whole instance, not one of its processes (4.19+).
    out.push_back({dir + "/memory.oom.group", "1", true});
  }
  return out;
}

std::vector<LimitFile> v1_cpu_files(const std::string& dir, std::int64_t cpu_milli) {
  if (cpu_milli <= 0) return {};
  return {{dir + "/cpu.cfs_period_us", std::to_string(kCpuPeriodUs)},
          {dir + "/cpu.cfs_quota_us", std::to_string(cpu_quota_us(cpu_milli))}};
}

std::vector<LimitFile> v1_memory_files(const std::string& dir, std::int64_t memory_mib) {
  if (memory_mib <= 0) return {};
  const std::string bytes = bytes_of(memory_mib);
  // memsw (memory + swap) after the memory limit: the kernel wants memsw >= it.
  return {{dir + "/memory.limit_in_bytes", bytes},
          {dir + "/memory.memsw.limit_in_bytes", bytes, true}};
}

std::string write_limit_files(const std::vector<LimitFile>& files) {
  for (const auto& f : files) {
    if (f.optional && ::access(f.path.c_str(), F_OK) != 0) continue;
    if (std::string e = write_cgroup_value(f.path, f.value); !e.empty()) return e;
  }
  return {};
}

std::string enable_v2_limits(const std::string& base, const std::string& peer_dir) {
  const std::string offered = read_cgroup_file(base + "/cgroup.controllers");
  std::string missing;
  for (const char* c : {"cpu", "memory"})
    if (!controller_listed(offered, c)) missing += missing.empty() ? c : std::string(", ") + c;
  if (!missing.empty())
    return "the cgroup2 parent of " + base + " does not delegate " + missing +
           " (its cgroup.subtree_control; it cannot while the agent's own process is in it)";
  for (const std::string& dir : {base, peer_dir})
    if (std::string e = write_cgroup_value(dir + "/cgroup.subtree_control", "+cpu +memory"); !e.empty())
      return e;
  return {};
}

}  // namespace shoal::runtime
