// The simulated container runtime: the instances each peer runs (starting after start_delay,
// crashing at crash_rate), the running copies of every instance across the cluster, failovers
// (a crashed peer's sole copies until they run again elsewhere) and unavailability. The
// reconcile loop hands it each plan; it queues only its own instance_up and instance_crash
// events, and never decides anything a peer decides.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gossip/rng.hpp"
#include "placement/reconcile.hpp"
#include "sim/event_queue.hpp"
#include "sim/experiment.hpp"
#include "sim/sim_peer.hpp"

namespace shoal::sim {

class FakeRuntime {
 public:
  // A crash's instances that ran nowhere else, until each runs again somewhere. A stop's
  // (a frozen peer: its copies stay counted, frozen as they are), until each gets a copy started
  // elsewhere before the peer thaws (`until`).
  struct Failover {
    Micros at;
    std::set<placement::InstanceId> waiting;
    std::optional<Micros> done;
    Micros until = gossip::kNever;
  };

  // A rolling update of one service, from its spec write until no copy of an older version
  // runs and every instance runs: the fewest instances with a running copy meanwhile.
  struct Rollout {
    std::string service, hash;
    Micros at = 0;
    std::size_t replicas = 0;
    int parallelism = 1;  // 1 for the legacy replacement (no update table)
    std::size_t min_available = 0;
    std::vector<std::size_t> min_by_10s;  // the fewest in each 10 s since `at`
    long old_copies = 0;  // running copies at another hash
    std::optional<Micros> done;
    std::size_t last = 0;  // instances with a running copy after the last change
    bool broken = false;   // its instances exit as they start
    std::optional<Micros> failed;  // the first status saying one of its instances is overdue
    // After `failed`: when every replica ran again (the last healthy version, by auto-revert).
    std::optional<Micros> reverted;
  };

  FakeRuntime(const Experiment& x, EventQueue& queue, gossip::Rng& workload_rng)
      : x_(x), queue_(queue), rng_(workload_rng) {}

  // The desired state was written: this many instances in all.
  void set_desired(std::size_t n) { desired_ = n; }
  // Peer p crashed: its containers are gone.
  void peer_crashed(SimPeer& p);
  // Peer p is frozen until `until`: measure its instances' failover (stop_failovers()).
  void peer_stopped(const SimPeer& p, Micros until);
  // Peer i's container with this serial finished starting / exited on its own. True when one
  // did (p's instances changed).
  bool started(SimPeer& p, std::uint32_t i, std::uint64_t serial);
  bool exited(SimPeer& p, std::uint64_t serial);
  // Carries out a reconcile plan's stops, marks and starts on peer i (true when any applied),
  // and records its verdicts (settled, overdue, failed_here) for p's status, as node/'s Runner.
  bool apply(SimPeer& p, std::uint32_t i, const placement::Plan& plan);
  // A new version of `service` was written (spec hash `hash`): measure its rollout.
  void begin_rollout(const Peers& peers, const std::string& service, const std::string& hash,
                     std::size_t replicas, int parallelism, bool broken);
  // A peer reports this instance (at `hash`) overdue: the rollout to `hash` has failed.
  void overdue(const placement::InstanceId& id, const std::string& hash);
  const std::vector<Rollout>& rollouts() const { return rollouts_; }
  // At the end of the run: unavailability counted up to now.
  void finish() { integrate_unavailable(); }

  std::size_t desired() const { return desired_; }
  std::size_t running() const { return running_; }
  std::size_t duplicated() const { return duplicated_; }
  std::size_t duplicates_max() const { return duplicates_max_; }
  std::uint64_t instance_crashes() const { return instance_crashes_; }
  const std::vector<Failover>& failovers() const { return failovers_; }
  const std::vector<Failover>& stop_failovers() const { return stop_failovers_; }
  std::optional<Micros> all_running_at() const { return all_running_at_; }  // every desired ran
  double unavailable_us() const { return unavailable_us_; }  // instance-microseconds since

 private:
  void copies_changed(const placement::InstanceId& id, const std::string& hash, int delta);
  void rollout_changed(const placement::InstanceId& id, const std::string& hash, int delta);
  void integrate_unavailable();
  void schedule_crash(const SimPeer& p, std::uint32_t i, std::uint64_t serial);

  const Experiment& x_;
  EventQueue& queue_;
  gossip::Rng& rng_;
  std::map<placement::InstanceId, int> copies_;  // running copies on up peers
  std::size_t desired_ = 0, running_ = 0, duplicated_ = 0, duplicates_max_ = 0;
  std::uint64_t next_serial_ = 1;
  std::uint32_t next_port_ = 0;  // dynamic host ports, handed out in turn
  std::uint64_t instance_crashes_ = 0;
  std::optional<Micros> all_running_at_;  // first time every desired instance ran
  Micros unavailable_since_ = 0;          // integration point
  double unavailable_us_ = 0;             // instance-microseconds, after all_running_at_
  std::vector<Failover> failovers_, stop_failovers_;
  std::vector<Rollout> rollouts_;
  std::map<std::string, std::size_t> available_;  // by service: instances with a running copy
};

// status/<self> of peer p: what its table says (node/peer/own_status.hpp, as the agent's Runner).
placement::PeerStatus own_status(const SimPeer& p);

}  // namespace shoal::sim
