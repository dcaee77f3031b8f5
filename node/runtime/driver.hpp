// The runtime driver interface the peer's reconciler calls: start, stop, list, poll. The
// `process` driver (process_driver.hpp) implements it with fork/exec; a `docker` driver
// implements the same calls over the Docker Engine API, with the same four labels.
//
// Threading: a driver is not thread-safe; the peer calls one method at a time (from its
// io_context thread, or a pool task it serialises). start() may block for a few ms (fork/exec,
// or an engine round trip); stop() only asks and never waits for the grace period.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "node/runtime/result.hpp"

namespace shoal::runtime {

using Millis = config::Millis;

// What identifies an instance across peer restarts; a docker driver stores these as container
// labels (to_label_map), the process driver in its instance record.
struct Labels {
  std::string peer;       // shoal.peer: the peer that started it
  std::string service;    // shoal.service
  int index = 0;          // shoal.index
  std::string spec_hash;  // shoal.spec: the per-instance spec hash, as the caller computed it
  friend bool operator==(const Labels&, const Labels&) = default;
};

// {"shoal.peer": ..., "shoal.service": ..., "shoal.index": "2", "shoal.spec": ...}
std::map<std::string, std::string> to_label_map(const Labels& labels);

// A service name a driver puts in container names and record files: [a-z0-9-], 1..63
// characters (config's validator refuses others; the drivers check again before using one).
bool valid_service_name(const std::string& s);

// One port of a running instance: the service's port and the host port chosen for it.
struct HostPort {
  std::string name;
  std::uint16_t container = 0;
  std::uint16_t host = 0;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// What the reconciler asks a driver to run.
struct InstanceSpec {
  Labels labels;
  config::ServiceSpec service;  // command / image, env, ports, stop_grace
};

// A running instance as a driver reports it (after start, or re-discovered after a restart).
struct Instance {
  std::string id;                // driver-chosen, stable for the instance's life
  Labels labels;
  std::vector<HostPort> ports;   // sorted like the spec's ports
  std::int64_t pid = 0;          // process driver: the main process (= its process group)
  Millis started_at = 0;         // wall-clock ms
};

// How an instance ended.
struct Exit {
  enum class Reason {
    exited,    // ended on its own
    stopped,   // ended after stop()
    orphaned,  // stopped by its watchdog: the peer was away longer than orphan_timeout
    lost,      // gone without a recorded status (its supervisor was killed, a PID reused...)
  };
  std::string id;
  Labels labels;
  Reason reason = Reason::exited;
  int exit_code = -1;  // 0..255 when it exited, else -1
  int signal = 0;      // the terminating signal when killed by one, else 0
  Millis ended_at = 0; // wall-clock ms, 0 when unknown
};

const char* to_string(Exit::Reason reason);

// The outcome of one health probe (health.hpp runs them).
struct ProbeResult {
  bool ok = false;
  std::string detail;  // "HTTP 200", "connect 127.0.0.1:8080: Connection refused", "exit 1"...
};

class Driver {
 public:
  virtual ~Driver() = default;
  // Starts an instance. Errors: invalid spec, command not found, no free port, fork failure.
  virtual Result<Instance> start(const InstanceSpec& spec) = 0;
  // Asks the instance to stop: SIGTERM (or the engine's stop), then a hard kill after `grace`.
  // Returns at once; the end shows up in poll(). Unknown id -> error.
  virtual Status stop(const std::string& id, Millis grace) = 0;
  // Every instance this driver's data knows that is still running, including those started
  // before a restart of the peer (to adopt or remove). Sorted by id.
  virtual std::vector<Instance> list() = 0;
  // Ends the instance now, without grace (SIGKILL to its process group, or the engine's
  // forced remove): for a stop that did not end it by its deadline. Returns at once; list()
  // then tells whether it is gone. Default: stop(id, 0).
  virtual Status force_stop(const std::string& id) { return stop(id, 0); }
  // Instances that ended since the last call, each reported once, sorted by id.
  virtual std::vector<Exit> poll() = 0;
  // Tells watchdogs the peer is alive; call about once a second.
  virtual void heartbeat() = 0;
  // Whether the driver can run instances right now. The docker driver asks its engine
  // (GET /_ping, bounded by a timeout); an error means the engine is down or hung and the peer
  // should clear `schedulable`. Default (process driver): always ok.
  virtual Status available() { return {}; }
  // Runs the exec form of a health check for instance `id` and waits at most `timeout`:
  // passes on exit 0. The process driver runs argv on this host with the instance's
  // environment; the docker driver runs it inside the container. Blocks up to `timeout` (plus
  // an engine round trip). Default: a failure saying the driver has no exec checks.
  // Called from the peer's probe threads (node/probe_pool.hpp), several at once and while the
  // other calls run: it must only read what those calls do not change.
  virtual ProbeResult exec_probe(const std::string& id, const std::vector<std::string>& argv,
                                 Millis timeout);
};

}  // namespace shoal::runtime
