// cgroup v2: a controller reaches the instances only through every cgroup between the agent's
// own and theirs, and a cgroup that holds processes (other than the root) cannot pass one on.
// The agent's own cgroup holds the agent. So when that cgroup is offered cpu and memory (a
// delegated subtree: systemd's Delegate=yes) and holds this process alone, the agent moves
// itself into a leaf `agent` below it and enables them in its cgroup.subtree_control, as
// systemd advises delegated services to do. Run in the peer at start, before any fork.
#pragma once

#include <string>

namespace shoal::runtime {

// `own`: the agent's cgroup folder; `pid`: this process. Empty when cpu and memory are (now)
// enabled below `own` or `own` is the root cgroup (which may hold processes and pass them on),
// else why not.
std::string delegate_v2_controllers(const std::string& own, long pid);

}  // namespace shoal::runtime
