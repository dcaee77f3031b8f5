// The reconcile step: (assignment, what this peer runs, what the other peers report, this peer's
// gates) -> actions. Pure: time comes in as an argument; no clocks, I/O or logging. node/ runs
// the actions against a real driver, sim/ against a simulated one, so both share the failover
// and handoff logic. Not thread-safe: one Reconciler per peer, driven from one thread.
//
// Caller contract (node/ and sim/):
//  - Call step() whenever an input changes, and again at Plan::wake_at at the latest.
//  - Apply every action before the next step. After Start the instance is in `local` (at least
//    `starting`; a start that fails is reported `exited` with a non-zero code). After Stop it
//    is `stopping` or gone. Exited instances stay in `local` until a Start or Stop replaces
//    them. Mark actions are recorded in this peer's `status/<peer>`.
//  - `peers` holds `status/<peer>` only of alive and suspect members, other than self (the
//    caller filters; statuses of peers not in `live_peers` are ignored anyway).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/spec.hpp"
#include "placement/health_shed.hpp"
#include "placement/reschedule.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::placement {

using Millis = config::Millis;

// One instance this peer's driver runs (or ran: exited ones stay until replaced or stopped).
struct LocalInstance {
  InstanceId id;
  std::string spec_hash;                            // the spec it was started with
  InstanceState state = InstanceState::starting;    // starting|running|healthy|unhealthy|
                                                    // stopping|exited (failed after a Mark)
  int exit_code = 0;                                // when exited
  bool refused = false;  // exited because the driver can never start this spec: failed at once
  // The old copy of a start-first replacement (placement/start_first.hpp), still running next
  // to the instance's current copy until that one is ready: at most one per id.
  bool outgoing = false;
};

struct ReconcileInputs {
  Millis now = 0;                 // monotonic milliseconds
  std::string self;               // this peer's name
  // Shared, read-only, must outlive the step() call; assignment and services never null.
  const Assignment* assignment = nullptr;                 // placement of the current view
  // Desired state (spec/*). An instance is wanted while its service is here and its index <
  // replicas, whatever a stale assignment says (mode = "global": while the assignment lists
  // its id, as ids come from peer names); an unplaced but wanted instance keeps a running
  // local copy (better than none) and starts nothing.
  const std::vector<config::ServiceSpec>* services = nullptr;
  // status/<peer> of the others, each PeerStatus sorted by id; may be null (none).
  const std::map<std::string, PeerStatus>* peers = nullptr;
  std::vector<LocalInstance> local;     // what this peer runs, any order, one entry per id
                                        // (plus at most one with `outgoing` set)
  std::set<std::string> live_peers;     // alive + suspect members (self may be included)
  // Gates. The step acts once `synced` (a push-pull with another peer completed) or once no
  // other peer has been reachable for solo_after (`alone_since` = since when nobody was
  // reachable; nullopt while someone is). Once open, the gate stays open for this Reconciler.
  bool synced = false;
  std::optional<Millis> alone_since;
  // Own local health is bad (this peer was stalled): start nothing (no fresh starts, restarts,
  // handoff or replacement starts) and let no timer-driven stop fire (handoff timers restart);
  // stops backed by evidence (service deleted or scaled down, handoff completed by a healthy
  // new copy, dead local copies of instances owned elsewhere) still happen.
  bool health_bad = false;
  // This peer's capacity, for a start-first copy beside the old one (0 = not checked).
  config::Resources capacity;
};

enum class StartReason : std::uint8_t {
  fresh,    // owned, not running on any live peer (new instance, dead old owner, scale up)
  handoff,  // owned, while another live peer still runs a copy (make-before-break)
  restart,  // the local copy exited and its restart policy restarts it
  replace,  // the spec hash changed: the new copy of a rolling replacement
};
enum class StopReason : std::uint8_t {
  unwanted,         // no service wants it (service deleted or scaled down)
  handed_off,       // owned elsewhere and the new owner reports it ready at the same hash
  handoff_timeout,  // owned elsewhere and the new owner made no progress for handoff_timeout
  not_owned,        // owned elsewhere and this copy is not running (exited/failed): clean up
  replaced,         // the spec hash changed: the old copy of a rolling replacement
  replaced_no_room, // start-first wanted, no room for both copies: replaced stop-first
};
std::string_view to_string(StartReason r);
std::string_view to_string(StopReason r);

struct StartAction {
  InstanceId id;
  config::ServiceSpec spec;
  std::string spec_hash;
  int restarts = 0;  // restarts counted so far (0 for a first start); report it in status
  StartReason reason = StartReason::fresh;
  // Start-first: the running copy of the id stays, as its outgoing copy, until a StopAction
  // with `outgoing` set (its state then reads from LocalInstance::outgoing).
  bool keep_old = false;
};
struct StopAction {
  InstanceId id;
  StopReason reason = StopReason::unwanted;
  bool outgoing = false;  // stop the id's outgoing copy (start-first), not its current one
};
// A local instance this peer owns but did not start itself (e.g. found after a peer restart):
// keep it. Emitted once per instance.
struct AdoptAction {
  InstanceId id;
};
// A state the caller records in status for a local instance that the driver cannot know:
// `pending` (exited, restart due at retry_at), `exited` (exited for good, per its policy),
// `failed` (restart.max_attempts exhausted). Emitted once per exit.
struct MarkAction {
  InstanceId id;
  InstanceState state = InstanceState::exited;
  int exit_code = 0;
  int restarts = 0;
  Millis retry_at = 0;  // when state == pending
};
using Action = std::variant<StopAction, MarkAction, AdoptAction, StartAction>;

struct Plan {
  // Stops first, then marks, adopts, starts; each group in instance-id order.
  std::vector<Action> actions;
  // The next time a timer in here may act (backoff expiry, handoff timeout, start rate, solo
  // gate); nullopt when nothing is pending. Call step() again at this time at the latest.
  std::optional<Millis> wake_at;
  // For each local instance of a service with an `update` policy: whether it is settled (ready
  // at its spec hash for update.min_healthy_time). The caller reports it in status (see
  // placement/rollout.hpp); instances of services without the policy are not listed. A copy
  // started by this plan is listed as not settled (apply this after the actions).
  std::map<InstanceId, bool> settled;
  // The local instances of services with an update policy that missed healthy_deadline at
  // their spec hash (InstanceStatus::overdue); the caller reports them, and no others, overdue.
  std::set<InstanceId> overdue;
  // Reschedule (placement/reschedule.hpp): the instances this peer lists as failed here
  // (PeerStatus::failed_here), sorted; the caller publishes exactly these.
  std::vector<InstanceId> failed_here;
  // Health shedding (placement/health_shed.hpp): the services shed here, sorted; the caller
  // publishes them (PeerStatus::shed).
  std::vector<ShedService> shed;
};

// Decisions beyond DESIGN.md's text, made here:
//  - Start rate: at most max_starts_per_second Starts in any 1000 ms window (a sliding window,
//    so no burst above N); <= 0 means no limit. Deferred starts go in priority order: fresh
//    (running nowhere: failover first), restart, replace, handoff; then by instance id.
//  - Handoff progress: the new owner's copy, at the current spec hash, reaching a state ranked
//    above any seen so far in this handoff (pending < starting < running|unhealthy < healthy)
//    restarts the timeout. Falling back and climbing again is not progress, so a crash-looping
//    new copy cannot keep the old one alive forever (at most 5 x handoff_timeout).
//  - Rolling replacement (a changed spec hash): one owned copy at a time is stopped (not while
//    health is bad), then started at the new hash; the next waits until no copy of the service
//    at the new hash is on its way (pending|starting|unhealthy, or running with a health check)
//    here or in any live peer's status. Across peers, only the lowest-named peer that owns a
//    live stale copy takes its turn. Limit: peers see each other through gossip, so two peers
//    acting on views a gossip round apart may still replace at the same time; and a peer that
//    never replaces its stale copies (stalled, without the new spec) holds the others back.
//  - A service with an `update` policy is replaced by placement/rollout.hpp's rule instead
//    (up to update.parallelism at a time, in id order, each counted once settled); this peer
//    stops the chosen stale copies it owns, all in one step; with order = "start-first" it
//    starts their new copies beside them instead (placement/start_first.hpp), when it has room.
//  - An exited-for-good or failed instance starts again (restarts 0) when its spec hash changes.
//  - Restart count (backoff and max_attempts budget) resets when a run stayed up 10 minutes.
//  - Backoff counts from the `now` of the first step that sees the exit (gate closed or not):
//    step promptly on driver news. max_attempts = N allows N restarts; the next exit is failed.
//  - `unhealthy` is not acted on here (the driver may kill it; its exit then counts), except
//    that each entry into it counts for health shedding (placement/health_shed.hpp): every
//    instance of a shed service run or owned here is listed as a failure is (below).
//  - Reschedule: a `failed` mark of a service with a reschedule policy is listed (failed_here)
//    from delay to delay + interval after it, unless `attempts` other live peers list the
//    instance already; the listing outlives the local copy (it is what moves the instance).
class Reconciler {
 public:
  explicit Reconciler(config::PeerConfig::Reconcile cfg = {});

  // One reconcile pass. Deterministic: the same sequence of inputs gives the same plans.
  Plan step(const ReconcileInputs& in);

  // True once the gate (synced or solo) has opened.
  bool gate_open() const { return gate_open_; }

 private:
  struct Track {                       // bookkeeping per instance id
    bool known = false;                // started or adopted by this Reconciler
    int restarts = 0;                  // restarts since the last reset
    std::optional<Millis> up_since;    // first seen running/healthy in the current run
    std::optional<Millis> ready_since;  // update policy only: first seen ready in this run
    std::string deadline_hash;          // update policy only: the hash healthy_deadline runs for
    Millis deadline_from = 0;           // first start (or sight) at deadline_hash
    bool deadline_met = false;          // settled at deadline_hash once: never overdue for it
    std::optional<Millis> exited_at;   // first seen exited (current exit)
    bool exit_decided = false;         // the current exit was handled (marked)
    bool gave_up = false;              // exited for good or failed: never restart this run
    Millis retry_at = 0;               // restart due (when exit_decided && !gave_up)
    bool replacing = false;            // stopped for a rolling replacement; start it anew
    // Handoff away (this peer runs a copy the assignment gives to another live peer).
    std::string handoff_to;            // empty = no handoff in progress
    Millis handoff_since = 0;          // restarted whenever the new copy makes progress
    int handoff_best = 0;              // best progress rank of the new copy seen so far
  };

  class Step;  // one step's phases (reconcile.cpp)
  bool take_start_token(Millis now);
  Millis start_token_at(Millis now) const;

  config::PeerConfig::Reconcile cfg_;
  bool gate_open_ = false;
  std::map<InstanceId, Track> tracks_;
  std::map<InstanceId, FailureListing> listings_;  // reschedule: failures listed in status
  HealthShed shed_;                                 // health shedding: what failed here
  std::deque<Millis> recent_starts_;  // start times within the last second
};

}  // namespace shoal::placement
