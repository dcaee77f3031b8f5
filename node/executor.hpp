// The peer's executor: the Runner (runner.hpp) and its runtime driver live on ONE worker thread,
// so container engine calls (docker: HTTP round trips, each bounded by the driver's timeout;
// process: fork/exec) never block the agent's io thread (DESIGN.md "The peer").
//
// The io thread submits owned copies of the reconcile inputs (nothing points into the gossip
// engine's state). Submissions coalesce: at most one step runs and one set of inputs waits;
// a newer submission replaces the waiting one. The worker steps the Runner (with `now` taken
// when the step starts), makes the driver's heartbeat about once a second and asks the driver
// whether it can run instances (Driver::available) every check_interval; after each step and
// on every availability change it hands a Report back through `post` (which runs it on the io
// thread). The Runner is built (and so adopts what the driver lists) only once the driver is
// available, so an engine that is down at start does not make the peer forget its containers.
// While the driver is unavailable, submissions are dropped (the io thread re-submits when the
// report says it is back).
//
// Health probes run on the Runner's probe threads, never in a step (runner.hpp). When one
// finishes, the worker hands back a Report (not stepped) whose wake_at asks the io thread for a
// step to collect it: at once, but not sooner than kProbeWakeGap after the last step, and once
// per step, so a host probing many instances does not place on every result.
//
// stop() (and the destructor) lets the running step finish, destroys the Runner and the driver
// on the worker, and joins it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/spec.hpp"
#include "node/runner_counts.hpp"
#include "node/runtime/driver.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::node {

class Runner;

// RunnerInputs as owned values (the worker fills in `now`).
struct StepInputs {
  placement::Assignment assignment;
  std::vector<config::ServiceSpec> services;
  std::map<std::string, placement::PeerStatus> peers;  // others, live only
  std::set<std::string> live_peers;
  bool synced = false;
  std::optional<config::Millis> alone_since;
  bool health_bad = false;
  config::Resources capacity;  // this peer's (start-first copies); 0: not checked
  std::uint64_t seq = 0;  // the caller's number for these inputs, echoed in the report
};

// What the worker tells the io thread.
struct ExecReport {
  bool has_status = false;        // a Runner exists: `status` is what it runs
  placement::PeerStatus status;   // Runner::status() after the step (or the last one)
  RunnerCounts counts;            // Runner::counts(), when has_status
  bool stepped = false;           // this report follows a step
  std::uint64_t seq = 0;          // when stepped: the seq of the inputs it stepped
  std::optional<config::Millis> wake_at;  // step again at this monotonic ms at the latest
  bool available = true;          // Driver::available() at the last check
  std::string error;              // why not, when !available
  std::string socket;             // engine_socket(driver) at the last check ("" if none)
};

struct ExecutorOptions {
  std::string self;                              // this peer's name
  config::PeerConfig::Reconcile reconcile;
  // Called once, on the worker: the driver the Runner uses.
  std::function<std::unique_ptr<runtime::Driver>()> make_driver;
  // Optional, on the worker after each check: the engine socket in use (docker).
  std::function<std::string(runtime::Driver&)> engine_socket;
  config::Millis check_interval = 2000;          // Driver::available()
  config::Millis heartbeat_interval = 1000;      // Driver::heartbeat()
  std::function<config::Millis()> mono_clock;    // default: steady_clock in ms
  std::function<void(std::string_view)> log;     // called on the worker (thread-safe sink)
  std::size_t max_probes = 16;                   // health probes running at once
};

inline constexpr config::Millis kProbeWakeGap = 100;

class Executor {
 public:
  using Post = std::function<void(std::function<void()>)>;

  // Starts the worker. `post` must be callable from the worker thread; `on_report` runs where
  // `post` puts it.
  Executor(ExecutorOptions options, Post post, std::function<void(ExecReport)> on_report);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues a step (replacing inputs not yet taken by the worker). Any thread.
  void submit(StepInputs inputs);
  // Finishes the current step, destroys Runner and driver on the worker, joins. Idempotent.
  void stop();

  // Steps the worker has run so far (any thread).
  std::uint64_t steps() const;

 private:
  void run();
  bool check_driver();  // Driver::available(); true when what it says changed
  bool make_runner();
  void step(StepInputs in, ExecReport& rep);  // `in` kept alive until the step returns
  void report(ExecReport rep);                // to the io thread, with the Runner's status
  config::Millis mono() const;
  void say(const std::string& line) const;

  ExecutorOptions opt_;
  Post post_;
  std::function<void(ExecReport)> on_report_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<StepInputs> pending_;  // guarded by mu_
  bool stop_ = false;                  // guarded by mu_
  std::uint64_t steps_ = 0;            // guarded by mu_
  bool probe_news_ = false;            // guarded by mu_: a probe finished since the worker looked
  // Worker-only state.
  std::unique_ptr<runtime::Driver> driver_;
  std::unique_ptr<Runner> runner_;
  bool available_ = false;
  bool checked_ = false;
  std::string error_;
  std::string socket_;
  bool probe_wake_sent_ = false;  // a wake for probe results went out since the last step
  config::Millis last_step_ = 0;
  std::thread worker_;  // last: started once everything above exists
};

}  // namespace shoal::node
