// `shoal agent`: the peer daemon. One Asio io_context thread runs the UDP + TCP gossip
// transport (driving gossip::Engine with real clocks), the HTTP API, the housekeeping timer and
// the reconcile inputs; the Runner and its runtime driver (process, or docker over the engine's
// unix socket) live on one worker thread (executor.hpp), so engine calls never block gossip.
// Desired state: every service of services_dir is published as spec/<name> in the gossip store
// when its content changes (data_dir/published remembers what was published), erased when it
// leaves the folder or on `shoal delete`; the store is snapshotted to data_dir/state (debounced
// ~1 s) and restored at start. Once a second, at the Runner's wake time and on every
// membership/state change the agent places the store's specs over the members, hands the step
// to the worker and publishes status/<self> when the worker's report changes it. The worker
// checks the driver every 2 s (docker: GET /_ping, 5 s timeout); while it fails the peer's
// `schedulable` flag is cleared (so placement moves its instances) and /v1/status says why.
// SIGTERM/SIGINT drain: schedulable cleared, reconciling goes on until the local instances run
// elsewhere (at most min(reconcile.handoff_timeout, 30 s); not at all when no other peer is
// alive), then what remains is stopped (largest stop_grace + 2 s, at most 30 s), then the
// graceful leave (<= 3 s). A second SIGINT quits at once. SIGHUP rescans services_dir at once
// (it is polled every second anyway) and re-reads api.token_file. The API is served on
// api.listen (TCP: reads open, mutations only with the token) and on the unix socket api.socket
// (mode 0660: mutations authorized); node/api_guard.hpp says who may call what.
#pragma once

#include <iosfwd>
#include <string>

namespace shoal::node {

struct AgentOptions {
  std::string config_path;
  std::string log_level = "info";  // trace|debug|info|warn|error|off
  std::string log_format = "text";  // text|json (node/log_format.hpp)
  // --rename: the name differs from data_dir/name on purpose; the old name's instances are
  // stopped before the start (node/rename_takeover.hpp), placement starts them afresh.
  bool rename = false;
};

// 0 after a clean stop, 1 when it cannot run (port in use, data_dir unwritable, a name other
// than data_dir/name without --rename, ...), 2 for a
// bad peer file (printed as `path:line:col: message` on `err`).
int run_agent(const AgentOptions& opts, std::ostream& err);

}  // namespace shoal::node
