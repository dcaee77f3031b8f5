// Process-driver instances in a cgroup (v2) of their own, when the host allows it: a command
// that daemonises (setsid, double fork) leaves its process group but not its cgroup, so a stop
// still reaches every process it started. The process group kill stays as the fallback.
//
// The base is this process's own cgroup (from /proc/self/cgroup, on the cgroup2 mount from
// /proc/self/mountinfo) plus "/shoal": where a service manager that delegates a subtree to the
// agent puts it. Memberships only: no controller is enabled, so limits are not enforced here.
//
// find_cgroup_base runs in the peer before any fork; the rest runs in the supervisor after fork
// and makes async-signal-safe calls only, on paths and buffers prepared before it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

namespace shoal::runtime {

struct CgroupBase {
  std::string dir;    // "/sys/fs/cgroup/<own>/shoal", created; empty when cgroups are not usable
  std::string error;  // why not (for the log), when dir is empty
  std::string own;    // "/sys/fs/cgroup/<own>": this process's cgroup (dir's parent)
};

// Finds (and creates) the base; `mountinfo` and `self_cgroup` are the texts of
// /proc/self/mountinfo and /proc/self/cgroup (read by the caller: testable).
CgroupBase find_cgroup_base(const std::string& mountinfo, const std::string& self_cgroup);
// The same, reading those files, and checking that a process may join a cgroup there (a child
// process tries, in a probe cgroup).
CgroupBase find_cgroup_base();

// Empty when a process may join a cgroup below `dir` (a child tries, in a probe cgroup; some
// hosts let one create cgroups but not move processes into them), else why not.
std::string cgroup_join_refused(const std::string& dir);

// The folder of the peer whose data_dir is `data_dir` below `base`: two peers on one host may
// both run web-0.0, so each has its own.
std::string peer_cgroup_dir(const std::string& base, const std::string& data_dir);
// Removes the empty cgroups below `dir` and, when `and_dir`, `dir` itself if it is then empty
// (a cgroup holding processes refuses: EBUSY). Before fork only.
void remove_empty_cgroups(const std::string& dir, bool and_dir);

// After fork: moves the calling process into the cgroup whose cgroup.procs is `procs_path`.
bool cgroup_join(const char* procs_path) noexcept;
// After fork: `sig` to every process listed in `procs_path` (read into `buf`, `n` bytes) but
// those of process group `signalled_group` (they had it already: a trap must not run twice);
// with SIGKILL, cgroup.kill (`kill_path`) first where the kernel has it (5.14+). Returns how
// many processes it signalled.
int cgroup_signal(const char* procs_path, const char* kill_path, int sig, char* buf,
                  std::size_t n, pid_t signalled_group = 0) noexcept;
// The kernel's count of OOM kills in an instance cgroup: the "oom_kill N" line of `text`
// (v2 memory.events, v1 memory.oom_control); 0 when absent. Async-signal-safe.
long long oom_kill_count(const char* text, std::size_t len) noexcept;
// After fork: the same, read from `path` into `buf` (`n` bytes).
long long cgroup_oom_kills(const char* path, char* buf, std::size_t n) noexcept;
// After fork: removes the (empty) cgroup `dir`, retrying while its processes finish dying
// (at most ~1 s).
void cgroup_remove(const char* dir) noexcept;

}  // namespace shoal::runtime
