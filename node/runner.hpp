// The reconciler's executor: keeps what this peer's driver runs as placement::LocalInstance
// entries, steps placement::Reconciler over the current assignment and executes its plan on
// the runtime driver; reports the result as this peer's status (the value of status/<self>).
// Driver calls are made inline (the process driver's start is a fork/exec, a few ms).
// Not thread-safe: owned by the agent's io thread.
//
// `shoal agent` owns one (with the process driver) and steps it on a 1 s timer and on every
// membership or state change; its status is published as status/<self>.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "node/runtime/driver.hpp"
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
};

class Runner {
 public:
  // Adopts candidates at once: every instance the driver lists with labels.peer == self.
  Runner(std::string self, runtime::Driver& driver, config::PeerConfig::Reconcile cfg,
         std::function<void(std::string_view)> log = {});

  // Polls the driver for exits, steps the reconciler, executes the plan. Returns when to step
  // again at the latest (nullopt: only on news).
  std::optional<config::Millis> step(const RunnerInputs& in);

  // What this peer runs, sorted by id: the payload of status/<self>.
  placement::PeerStatus status() const;
  std::size_t actions_executed() const { return actions_; }

 private:
  struct Local {
    std::string driver_id;       // empty when the driver never started it (start failed)
    placement::LocalInstance li;
    config::Millis stop_grace = 10000;
    int restarts = 0;
    std::map<std::string, std::uint16_t> host_ports;
    std::optional<placement::InstanceState> marked;  // pending / exited / failed from a Mark
  };
  void poll_driver();
  void execute(const placement::Action& a);
  void say(const std::string& line) const;

  std::string self_;
  runtime::Driver& driver_;
  placement::Reconciler reconciler_;
  std::function<void(std::string_view)> log_;
  std::map<placement::InstanceId, Local> local_;
  std::size_t actions_ = 0;
};

}  // namespace shoal::node
