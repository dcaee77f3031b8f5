// One peer's own decisions over its gossip engine, for one life of the peer (a restart is a new
// Peer): when it is synced, ready and alone (node/peer/readiness.hpp), the gates its reconcile
// step gets, the statuses of the others it reads, and when it writes status/<self>. The agent
// (node/agent.cpp) hosts one over sockets and clocks; the simulator (sim/) hosts thousands on
// virtual time, so both run these rules, not copies of them. The reconciler itself is stepped
// by the host (the agent steps it on its driver's worker thread). Pure: time comes in.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "gossip/engine.hpp"
#include "gossip/stall_gate.hpp"
#include "node/peer/readiness.hpp"
#include "placement/reschedule.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::node {

struct PeerTiming {
  gossip::Micros join_grace = 0;  // synced and up this long before announcing `ready`
  gossip::Micros solo_after = 0;  // alone this long counts as synced
};

// What a reconcile step is told about the peer itself.
struct StepGates {
  bool synced = false;
  std::optional<config::Millis> alone_since;  // monotonic ms
  bool health_bad = false;                    // stalled recently (gossip/stall_gate.hpp)
};

class Peer {
 public:
  Peer(gossip::Identity self, gossip::Config cfg, std::uint64_t seed, gossip::Micros started_at,
       PeerTiming timing, std::shared_ptr<gossip::Interner> interner = nullptr);

  gossip::Engine& engine() { return engine_; }
  const gossip::Engine& engine() const { return engine_; }
  const std::string& name() const { return engine_.name(); }
  const Readiness& readiness() const { return readiness_; }

  // Readiness brought up to date with what the engine sees now; true when `ready` is due.
  bool ready_due(gossip::Micros now);
  // `ready` in its gossiped metadata; false when the engine refused the metadata.
  bool announce_ready(gossip::Clock now, gossip::Outbox& out);

  // The gates of a reconcile step taken now (observes readiness first).
  StepGates gates(gossip::Micros now);

  // Every event of the engine's output, in order: the host passes each one after each engine
  // call. Keeps what a member's returns need (below); no other effect.
  void observe(const gossip::Event& e);

  // Writes status/<self> when `status` encodes differently from what this life last wrote, or
  // is the first since this peer refuted a suspicion or death of itself (the others may hold
  // the older value as stale, see status_stale): the version written, else nullopt. `status`
  // must say what runs here now (after a stall: as the driver sees it after the stall), as a
  // rewrite makes it count again.
  std::optional<gossip::Version> publish_status(gossip::Clock now,
                                                const placement::PeerStatus& status);

  // Members alive or suspect (itself included), and the status/<peer> of those other than
  // itself, decoded (a value that does not decode is left out; a stale one reads as empty).
  std::set<std::string> live_peers() const;
  std::map<std::string, placement::PeerStatus> other_statuses() const;
  // Whether the status/<member> held here is not newer than the one held when `member` was last
  // declared dead or left: written before that, maybe long before (a frozen agent's), it is no
  // proof that anything runs there (its instances may have been stopped as orphans since), so
  // it counts as reporting nothing until the member writes a newer one.
  bool status_stale(const std::string& member) const;

  // What placement reads: the live members with their metadata, `specs`, and avoid().
  placement::View placement_view(const std::vector<config::ServiceSpec>& specs) const;
  // Reschedule: View::avoid from the status/<peer> of live members, itself included (only
  // values that list a failure are decoded).
  placement::Avoid avoid() const;

 private:
  gossip::Engine engine_;
  Readiness readiness_;
  gossip::StallGate stall_gate_;
  std::string last_status_;  // the encoding this life last wrote as status/<self>
  // Per member declared dead or left (until it is forgotten): the version of its status/<member>
  // held then. Bounded by the members held.
  std::map<std::string, gossip::Version> status_at_death_;
};

}  // namespace shoal::node
