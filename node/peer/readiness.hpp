// When a peer counts as synced, when it announces `ready`, and since when it has been alone:
// one definition for the agent and the simulator (DESIGN.md "The reconcile step", join_grace).
//
// synced: its engine has joined (no seed to ask, or a push-pull answered: the cluster's state
//   has reached it), or nobody else has been reachable for solo_after (a cold start whose peers
//   are gone must still run the cluster's workload). It stays synced.
// ready: synced and up for join_grace; announced once in the peer's metadata, which placement
//   reads, so a fresh peer does not draw instances before it knows what runs where.
// alone_since: since when no other member is alive or suspect (the reconciler's solo gate).
#pragma once

#include <cstddef>
#include <optional>

#include "gossip/types.hpp"

namespace shoal::node {

class Readiness {
 public:
  Readiness(gossip::Micros started_at, gossip::Micros join_grace, gossip::Micros solo_after)
      : started_at_(started_at), join_grace_(join_grace), solo_after_(solo_after) {}

  // What the peer sees now: whether its engine has joined, and its live members (alive or
  // suspect, itself included). Call at every step and at least once a second.
  void observe(gossip::Micros now, bool engine_joined, std::size_t live_members);

  // True once, when `ready` is due (synced, up for join_grace, not announced yet); the caller
  // announces it and calls announced().
  bool ready_due(gossip::Micros now) const;
  void announced() { ready_ = true; }

  bool synced() const { return synced_; }
  bool ready() const { return ready_; }
  std::optional<gossip::Micros> alone_since() const { return alone_since_; }

 private:
  gossip::Micros started_at_, join_grace_, solo_after_;
  bool synced_ = false;
  bool ready_ = false;
  std::optional<gossip::Micros> alone_since_;
};

}  // namespace shoal::node
