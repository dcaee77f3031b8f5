// Health checks for both drivers: the probes (blocking, each bounded by a timeout) and
// HealthTracker, a pure state machine over probe results and times.
//
//   http: GET <path> on 127.0.0.1:<host port of the check's port>; status 200..399 passes.
//   tcp:  a TCP connect to 127.0.0.1:<host port> succeeds.
//   exec: argv exits 0 — on the host with the instance's env (process driver, probe_exec), or
//         inside the container (docker driver: DockerDriver::exec, via an ExecFn).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "node/runtime/driver.hpp"

namespace shoal::runtime {

// ProbeResult is declared in driver.hpp (Driver::exec_probe returns one).

// GET `path` from host:port (an IPv4 literal) with HTTP/1.0; passes on a 200..399 status.
ProbeResult probe_http(const std::string& host, std::uint16_t port, const std::string& path,
                       Millis timeout);
// Connects to host:port (an IPv4 literal) within `timeout`.
ProbeResult probe_tcp(const std::string& host, std::uint16_t port, Millis timeout);
// Runs argv on this host (argv[0] looked up in env's PATH, else the peer's) with exactly
// `env`, stdin/stdout/stderr on /dev/null, in its own process group; passes on exit 0. Past
// `timeout` the group is SIGKILLed and the probe fails. `work_dir`: its working directory
// (empty: the peer's).
ProbeResult probe_exec(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env, Millis timeout,
                       const std::string& work_dir = {});

// Runs the exec form of a check for one instance (argv, timeout) -> result.
using ExecFn = std::function<ProbeResult(const std::vector<std::string>&, Millis)>;

// The time one probe of `check` may take: its timeout, capped below its interval (at most
// interval - 1 ms, at least 1 ms). A service file cannot set timeout >= interval (the reader
// refuses it); a spec can still have one (the default 2 s timeout with an interval of 2 s or
// less, or a spec received from gossip), and its probes then end before the next is due.
Millis capped_timeout(const config::HealthCheck& check);

// One probe of `check` for an instance with `ports`: http/tcp against host:<host port of
// check.port>, exec through `exec` (a failure when it is empty), each bounded by
// capped_timeout(check). Kind::none passes.
ProbeResult run_probe(const config::HealthCheck& check, const std::vector<HostPort>& ports,
                      const ExecFn& exec, const std::string& host = "127.0.0.1");

// The docker form of an ExecFn: DockerDriver::exec on container `id`, exit 0 passes.
class DockerDriver;
ExecFn docker_exec_fn(DockerDriver& driver, std::string id);
// The process form: probe_exec with the instance's env.
ExecFn host_exec_fn(std::map<std::string, std::string> env);

// Health of one instance over time. Pure: times come in as arguments (ms, any monotonic base).
// The first probe is due at `started`, the next one `interval` after each result. States:
// starting (no verdict yet) -> healthy after a pass; unhealthy after `retries` consecutive
// failures (at least 1); a pass makes an unhealthy instance healthy again.
class HealthTracker {
 public:
  enum class State { starting, healthy, unhealthy };

  HealthTracker(Millis interval, int retries, Millis started);
  HealthTracker(const config::HealthCheck& check, Millis started)
      : HealthTracker(check.interval, check.retries, started) {}

  // When the next probe should run.
  Millis next_due() const { return next_due_; }
  bool due(Millis now) const { return now >= next_due_; }
  // Feeds one probe result observed at `now`; returns the new state when it changed.
  std::optional<State> record(Millis now, bool passed);

  State state() const { return state_; }
  int consecutive_failures() const { return failures_; }

 private:
  Millis interval_;
  int retries_;
  Millis next_due_;
  State state_ = State::starting;
  int failures_ = 0;
};

const char* to_string(HealthTracker::State state);

}  // namespace shoal::runtime
