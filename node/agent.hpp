// `shoal agent`: the peer daemon. One Asio io_context thread runs the UDP + TCP gossip
// transport (driving gossip::Engine with real clocks), the HTTP API and the housekeeping timer.
// Blocks until SIGTERM/SIGINT (graceful leave, bounded) and returns the process exit code;
// SIGHUP rescans services_dir at once (it is polled every second anyway).
// Desired state: every service of services_dir is published as spec/<name> in the gossip store
// when its content changes (data_dir/published remembers what was published), erased when it
// leaves the folder or on `shoal delete`; the store is snapshotted to data_dir/state (debounced
// ~1 s) and restored at start. Once a second and on every membership/state change the agent
// places the store's specs over the members, steps the Runner on the process driver (inline on
// the io thread) and publishes status/<self> when it changes.
#pragma once

#include <iosfwd>
#include <string>

namespace shoal::node {

struct AgentOptions {
  std::string config_path;
  std::string log_level = "info";  // trace|debug|info|warn|error|off
};

// 0 after a clean stop, 1 when it cannot run (port in use, data_dir unwritable, ...), 2 for a
// bad peer file (printed as `path:line:col: message` on `err`).
int run_agent(const AgentOptions& opts, std::ostream& err);

}  // namespace shoal::node
