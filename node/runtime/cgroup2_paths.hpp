// Where the cgroup v2 hierarchy is, read from /proc texts the caller hands in: the mount point
// (from /proc/self/mountinfo) and a process's path on it (from /proc/<pid>/cgroup). The one
// reading of both, for the process driver's cgroups and the usage sampler. The texts are treated
// as hostile: any text gives a path or "", never an exception or a read past it.
#pragma once

#include <string>
#include <string_view>

namespace shoal::runtime {

// The cgroup2 mount point in a mountinfo text ("36 25 0:30 / /sys/fs/cgroup rw,... - cgroup2
// cgroup2 rw": field 5, when the type after " - " is cgroup2); "" when there is none.
std::string cgroup2_mount(std::string_view mountinfo);

// The v2 path of a /proc/<pid>/cgroup text ("0::/a/b" -> "/a/b"); "" when there is none.
std::string cgroup2_path(std::string_view proc_cgroup);

}  // namespace shoal::runtime
