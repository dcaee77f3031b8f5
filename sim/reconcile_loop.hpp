// Each simulated peer's reconcile loop, as node/'s agent runs it: every second and when woken
// (a death, new specs, a container event, the plan's own wake-up), it reads the desired state
// and the others' statuses from the peer's own store, takes the placement of its view (shared
// between peers whose inputs hash equal), steps the real Reconciler, hands the plan to the
// fake runtime and publishes status/<self>. Skips a step whose inputs did not change
// (check_caches proves with a twin Reconciler, fed the inputs node/'s agent would build, that
// the skipped step would not have acted, and that every step's plan is the agent's).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "placement/reconcile.hpp"
#include "sim/checker.hpp"
#include "sim/event_queue.hpp"
#include "sim/experiment.hpp"
#include "sim/fake_runtime.hpp"
#include "sim/decoded_state_cache.hpp"
#include "sim/sim_peer.hpp"
#include "sim/world.hpp"

namespace shoal::sim {

class ReconcileLoop {
 public:
  ReconcileLoop(const Experiment& x, const RunOptions& opt, EventQueue& queue, Peers& peers,
                FakeRuntime& runtime, Checker& checker)
      : x_(x), opt_(opt), queue_(queue), peers_(peers), runtime_(runtime), checker_(checker) {}

  // Peer i starts a life: a fresh Reconciler and runtime state, and its periodic loop.
  void start(std::uint32_t i);
  // A reconcile for peer i at `at` (once per time).
  void wake(std::uint32_t i, Micros at);
  // Peer i's local instances changed: reconcile now.
  void local_changed(std::uint32_t i);
  // A reconcile event for peer i: the periodic loop goes on (or the wake-up is spent).
  void next_round(std::uint32_t i, bool periodic);
  // Readiness observed; true when peer i is to announce `ready` now (the caller sets the
  // metadata through its engine: synced and up for join_grace).
  bool ready_due(std::uint32_t i, bool periodic);
  // The reconcile step proper, for a peer up, not frozen, with its engine.
  void step(std::uint32_t i);
  // A status/ key changed in p's store: keeps p.status_hash and p.status_vals exact.
  void status_changed(SimPeer& p, const std::string& key);
  // The deployment of `service` in peer i's view, with every status its store holds (as an
  // agent's writer of a new version records it, node/peer/spec_history.hpp); "" for none.
  std::string outcome(std::uint32_t i, const std::string& service);

  const DecodedStateCache& decoded_cache() const { return decoded_cache_; }
  std::uint64_t placements_computed() const { return placements_computed_; }
  std::uint64_t placements_shared() const { return placements_shared_; }
  std::uint64_t reconcile_steps() const { return reconcile_steps_; }
  std::uint64_t status_writes() const { return status_writes_; }

 private:
  Micros now() const { return queue_.now(); }
  void fail(const std::string& what) { checker_.fail(what); }
  std::shared_ptr<const ViewData> view_for(SimPeer& p);
  void refresh_state_view(SimPeer& p);  // specs and statuses from its store, when changed
  void latch_failed(std::uint32_t i, const ViewData& view);  // deploy/<name> for a failed version
  std::shared_ptr<const DecodedStateCache::StatusMap> relevant_statuses(SimPeer& p, const ViewData& view);
  void run_step(std::uint32_t i, const ViewData& view, const node::StepGates& gates);
  // check_caches: the plan on the agent's inputs for the same peer equals the simulator's.
  void check_twin(const placement::Reconciler& twin, const placement::ReconcileInputs& in,
                  const SimPeer& p, const placement::Plan& plan);
  void check_skip(SimPeer& p);  // a skipped step would not have acted
  void publish_status(std::uint32_t i);

  const Experiment& x_;
  const RunOptions& opt_;
  EventQueue& queue_;
  Peers& peers_;
  FakeRuntime& runtime_;
  Checker& checker_;
  DecodedStateCache decoded_cache_;
  std::map<std::uint64_t, std::weak_ptr<const ViewData>> views_;
  std::uint64_t placements_computed_ = 0, placements_shared_ = 0, reconcile_steps_ = 0;
  std::uint64_t status_writes_ = 0;
};

}  // namespace shoal::sim
