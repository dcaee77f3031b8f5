// This peer's own instances as the agent's io thread sees them: the executor (Runner and driver
// on their worker) it hands each reconcile step to, and a copy of what the Runner last
// reported. The agent never touches the Runner; it reads this copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "node/executor.hpp"
#include "node/runner_counts.hpp"
#include "placement/status.hpp"

namespace shoal::node {

class LocalInstances {
 public:
  // Starts the worker; `on_report` runs where `post` puts it (the io thread), after the step
  // and the counts were taken from the report (the status is the agent's to set: it compares
  // the old one with the new first).
  void start(ExecutorOptions options, Executor::Post post, std::function<void(ExecReport)> on_report);
  // Lets a running step finish; the Runner and driver go with the worker. Idempotent.
  void stop();
  bool started() const { return exec_ != nullptr; }
  // Hands a step to the worker (coalesced there), numbered.
  void submit(StepInputs in);

  void set_status(placement::PeerStatus s) {
    status_ = std::move(s);
    have_status_ = true;
  }
  const placement::PeerStatus& status() const { return status_; }
  bool have_status() const { return have_status_; }
  const RunnerCounts& counts() const { return counts_; }
  std::uint64_t submitted() const { return submitted_; }  // seq of the last inputs handed over
  std::uint64_t stepped() const { return stepped_; }      // highest seq the worker stepped
  // Instances that still run, or are on their way up or down.
  std::size_t active() const;

 private:
  void take(ExecReport& r);

  std::unique_ptr<Executor> exec_;
  placement::PeerStatus status_;  // the Runner's last report (a copy)
  bool have_status_ = false;
  RunnerCounts counts_;  // its starts and stops, for /metrics
  std::uint64_t submitted_ = 0, stepped_ = 0;
};

}  // namespace shoal::node
