// One process-driver instance's cgroups, made by the peer before its supervisor forks: the
// folder per hierarchy named after the instance id below this peer's folders (cgroup_setup.hpp),
// with the service's limits written (cgroup_limits.hpp). The instance joins them all; its
// supervisor removes them once it has ended.
#pragma once

#include <string>
#include <vector>

#include "config/spec.hpp"
#include "node/runtime/cgroup_setup.hpp"
#include "node/runtime/result.hpp"

namespace shoal::runtime {

struct InstanceCgroups {
  // [0] lists every process the instance started (a stop reaches them all); the others hold a
  // v1 limit. Empty: the process group alone.
  std::vector<std::string> dirs;
  bool limited = false;   // limits were written: a failed join must fail the start
  std::string oom_file;   // where the kernel counts OOM kills; "" without a memory limit
};

// Errors name the file and fail the start (limits that cannot be set are not silently dropped;
// without limits, a v2 folder that cannot be made leaves the process group alone). `id` is the
// driver's own (<service>-<index>.<n>); anything else (a '/', "..") is refused.
Result<InstanceCgroups> make_instance_cgroups(const CgroupSetup& s, const std::string& id,
                                              const config::Resources& r);
// Removes them (a start that failed before its supervisor ran).
void remove_instance_cgroups(const InstanceCgroups& g);

}  // namespace shoal::runtime
