// The reconciler's executor: keeps what this peer's driver runs as placement::LocalInstance
// entries, steps placement::Reconciler over the current assignment and executes its plan on
// the runtime driver; reports the result as this peer's status (the value of status/<self>).
// Driver calls are made inline (the process driver's start is a fork/exec, a few ms).
// Not thread-safe: one thread at a time (the agent steps it off its io thread).
//
// Health checks (DESIGN.md "The reconcile step"): every local instance whose spec has a check
// gets a runtime::HealthTracker. It is `starting` until a probe passes, then `healthy`;
// `unhealthy` after `retries` consecutive failures. A service without a check is `running`.
//  - The first probe of a started instance runs one `interval` after its start (as Docker
//    does); an instance found from a previous run is probed at the first step that knows its
//    spec (same service name and spec hash).
//  - Probes never hold up a step (issue 14): step() hands the probes that are due to a
//    ProbePool (at most ProbeOptions::max_concurrent run at once, the rest queue) and returns;
//    a later step collects the results and feeds them to the trackers, timed at that step. One
//    probe per instance is in flight at a time; each is bounded by runtime::capped_timeout (the
//    check's timeout, below its interval): http and tcp against 127.0.0.1:<host port>, exec
//    through Driver::exec_probe, called from a probe thread (drivers make it safe for that).
//    ProbeOptions::on_done (on the probe thread) tells the owner to step soon to collect.
//  - An unhealthy instance is stopped (Driver::stop with its stop_grace); its end counts as a
//    failed exit (exit code as it ended, 1 if that was 0), so the restart policy, backoff and
//    max_attempts apply as to a crash. It reports `unhealthy` until the driver says it ended.
//  - One log line per health transition.
//
// Stops are retried until the driver confirms (issue 14): a stop the driver refuses leaves the
// instance in its state and is retried with back-off (1 s doubling to 30 s); a `stopping`
// instance has a deadline (stop_grace + kStopMargin) after which Driver::force_stop is sent and
// the driver re-listed: gone -> forgotten, else forced again a second later. A copy replaced by
// a new start of its id stays tracked (retiring) under the same deadline until it ends.
// A listing may fail and read as empty, so the driver is re-listed at the first step and every
// 5 s: an untracked instance of this peer is adopted, or stopped when it is a second copy.
//
// `shoal agent` owns one (with the process driver) and steps it on a 1 s timer and on every
// membership or state change; its status is published as status/<self>.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "node/peer/own_status.hpp"
#include "node/probe_pool.hpp"
#include "node/runner_counts.hpp"
#include "node/runtime/driver.hpp"
#include "node/runtime/health.hpp"
#include "placement/reconcile.hpp"
#include "placement/status.hpp"

namespace shoal::node {

struct RunnerInputs {
  config::Millis now = 0;  // monotonic ms
  const placement::Assignment* assignment = nullptr;
  const std::vector<config::ServiceSpec>* services = nullptr;
  const std::map<std::string, placement::PeerStatus>* peers = nullptr;  // others, live only
  std::set<std::string> live_peers;
  bool synced = false;
  std::optional<config::Millis> alone_since;
  bool health_bad = false;
  config::Resources capacity;  // this peer's, for start-first copies (0: not checked)
};

struct ProbeOptions {
  std::size_t max_concurrent = 16;  // probes running at once on this peer
  std::function<void()> on_done;    // on a probe thread, after each result
};

class Runner {
 public:
  // Adopts candidates at once: every instance the driver lists with labels.peer == self.
  Runner(std::string self, runtime::Driver& driver, config::PeerConfig::Reconcile cfg,
         std::function<void(std::string_view)> log = {}, ProbeOptions probes = {});
  ~Runner();

  // Polls the driver for exits, records the probe results that came in, launches the probes
  // due at in.now, steps the reconciler, executes the plan. Returns when to step again at the
  // latest: the reconciler's next timer or the next probe due (of instances with no probe in
  // flight), whichever is first (nullopt: only on news, such as ProbeOptions::on_done).
  std::optional<config::Millis> step(const RunnerInputs& in);

  // What this peer runs, sorted by id: the payload of status/<self>.
  placement::PeerStatus status() const;
  std::size_t actions_executed() const { return actions_; }
  const RunnerCounts& counts() const { return counts_; }  // starts and stops so far
  // Probes launched whose result no step has collected yet.
  std::size_t probes_in_flight() const { return probing_.size(); }
  // Waits (bounded) until `results` probes (0: every one in flight) have a result for the
  // next step to collect; for tests.
  bool await_probes(config::Millis timeout_ms, std::size_t results = 0);

 private:
  // What status reports (node/peer/own_status.hpp), and the driver's side of the instance.
  struct Local : OwnInstance {
    std::string driver_id;       // empty when the driver never started it (start failed)
    config::Millis stop_grace = 10000;
    std::vector<runtime::HostPort> ports;            // as the driver reported them
    bool check_known = false;           // `check` is the spec's (false: adopted, spec unseen)
    config::HealthCheck check;          // kind none: no health check
    std::optional<runtime::HealthTracker> health;    // while it runs and has a check
    bool health_kill = false;           // stopped for failing its check: its end is a failure
    int stop_failures = 0;              // consecutive stops the driver refused
    config::Millis stop_retry_at = 0;   // no stop before this (back-off after a refusal)
    config::Millis stop_deadline = 0;   // stopping: force it at this time
    bool forced = false;                // force_stop sent: re-list at the deadline
    std::uint64_t probe = 0;            // key of its probe in flight (0: none)
    config::Millis drain_until = 0;     // outgoing copy told to stop: stopped at this time
    std::string drain_reason;           // ... for counts_.stops
  };
  // A copy replaced by a new start of the same id, stopping: tracked until its end.
  struct Retiring {
    placement::InstanceId id;
    config::Millis deadline = 0;
    bool forced = false;
  };
  void adopt(const runtime::Instance& inst, const std::string& why);
  void relist();
  bool request_stop(Local& l, const placement::InstanceId& id);
  bool overdue(const std::string& driver_id, const std::string& what, config::Millis& deadline,
               bool& forced, const std::set<std::string>*& listed);
  void enforce_stop_deadlines();
  std::optional<config::Millis> next_stop_timer() const;
  void poll_driver();
  void learn_checks(const RunnerInputs& in);
  void collect_probes(config::Millis now);
  void record_probe(const placement::InstanceId& id, Local& l, config::Millis now,
                    const runtime::ProbeResult& r);
  void launch_probes(config::Millis now);
  std::optional<config::Millis> next_probe() const;
  void execute(const placement::Action& a);
  void keep_outgoing(const placement::InstanceId& id);
  void stop_outgoing(const placement::StopAction& a);
  void finish_drains();
  void say(const std::string& line) const;

  std::string self_;
  runtime::Driver& driver_;
  placement::Reconciler reconciler_;
  std::function<void(std::string_view)> log_;
  std::map<placement::InstanceId, Local> local_;
  std::map<std::string, Retiring> retiring_;  // by driver id
  // Start-first (placement/start_first.hpp): the old copy of an id kept running beside its
  // new one until the reconciler stops it; not probed; in status as the id's outgoing_ports
  // (the catalog lists it). A stop first drains it: out of status at once, stopped
  // kOutgoingDrain later (clients that resolve through DNS move away first), then retiring_.
  std::map<placement::InstanceId, Local> outgoing_;
  std::vector<placement::InstanceId> failed_here_;  // the last plan's (reschedule), for status
  std::vector<placement::ShedService> shed_;        // the last plan's (health shedding), likewise
  std::set<std::string> listed_;              // the last re-list (enforce_stop_deadlines)
  config::Millis next_relist_ = 0;            // relist(): next look for untracked instances
  std::size_t actions_ = 0;
  RunnerCounts counts_;
  config::Millis now_ = 0;  // of the current step
  std::uint64_t probe_keys_ = 0;                           // the last probe key given
  std::map<std::uint64_t, placement::InstanceId> probing_;  // probes in flight, by key
  std::unique_ptr<ProbePool> probes_;  // last: its threads end before anything they use
};

}  // namespace shoal::node
