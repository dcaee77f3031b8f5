// How this host holds a peer's process-driver instances, found once when the agent starts:
//   - membership: a cgroup per instance, so a stop reaches what daemonised out of its process
//     group (v2 below the base of cgroup.hpp; on a cgroup v1 host, the memory controller's);
//   - limits (cgroup_limits.hpp), in one mode:
//       "cgroup2"  the cpu and memory controllers reach the v2 base (cgroup_delegate.hpp);
//       "cgroup1"  else, writable cpu and memory v1 hierarchies (own cgroup + "/shoal");
//       "none"     neither (`why` says what was missing): resources are not enforced.
// Every folder below is this peer's own (peer_cgroup_dir: a hash of its data_dir), created.
#pragma once

#include <string>
#include <vector>

namespace shoal::runtime {

struct CgroupSetup {
  std::string mode = "none";  // "cgroup2", "cgroup1" or "none"
  std::string why;            // mode "none": why limits are not enforced
  std::string v2_dir;         // this peer's folder on the cgroup2 hierarchy; empty: none
  std::string v2_error;       // why v2_dir is empty
  std::string v1_cpu, v1_memory;  // mode "cgroup1": this peer's folders in those hierarchies
};

// The base of controller `controller` (v1) from the texts of /proc/self/mountinfo and
// /proc/self/cgroup: its mount point + this process's cgroup there + "/shoal", created and
// writable; or the error (in `error`, dir empty).
struct V1Base {
  std::string dir, error;
};
V1Base find_v1_base(const std::string& mountinfo, const std::string& self_cgroup,
                    const std::string& controller);

// Finds and prepares it all for the peer on `data_dir` (absolute). Forks a probe process.
CgroupSetup set_up_cgroups(const std::string& data_dir);

// The folders set_up_cgroups would use for `data_dir` on this host (v2, v1 cpu, v1 memory;
// those whose hierarchy is there), for a cleanup after the peer is gone.
std::vector<std::string> peer_cgroup_dirs(const std::string& data_dir);

// One line for the log and `shoal status`: "cgroup1 (cpu and memory limits)", or
// "none: <why>".
std::string describe_limits(const CgroupSetup& s);

}  // namespace shoal::runtime
