// Start-first replacement (update.order = "start-first"): make-before-break per instance on its
// owner. When the rollout rule (rollout.hpp) picks a stale instance, its owner starts the new
// copy next to the old one instead of stopping the old one first; the old copy becomes the
// instance's *outgoing* copy (LocalInstance::outgoing) and keeps serving until the new copy is
// ready (healthy, or running without a health check), then it stops. The status reports the
// new copy from its start, so every peer's rollout rule counts the instance as not ready while
// both copies run, exactly as for stop-first: the rule, its budget and its window are
// unchanged, and what every peer decides stays a function of the same statuses.
//
// Cost: both copies run at once on the owner, beyond what placement counted. The owner starts
// the new copy beside the old one only when it has room (surge_room); otherwise it replaces
// that instance stop-first (StopReason::replaced_no_room, logged) rather than wait, so a full
// peer never holds a rollout back.
#pragma once

#include <string>

#include "config/spec.hpp"
#include "placement/status.hpp"

namespace shoal::placement {

// What this peer runs (live copies, outgoing ones included) and may hold.
struct SurgeLoad {
  int copies_of_service = 0;  // live local copies of the service being replaced
  config::Resources used;     // resources of every live local copy (at its desired spec)
  config::Resources capacity; // this peer's capacity; 0 = unknown (not checked)
};

// Empty when a second copy of `spec` fits beside what runs; else why not ("static host port
// http", "max_per_peer 2", "cpu", "memory"). Static host ports never fit: the old copy holds
// the port until it stops.
std::string surge_room(const config::ServiceSpec& spec, const SurgeLoad& load);

// Whether `spec` is replaced start-first (an update policy with order = "start-first").
bool start_first(const config::ServiceSpec& spec);

// The outgoing copy of an instance goes once its current copy here is ready, or gone (handed
// off or stopped: the outgoing one follows), or when the outgoing copy itself is dead. While
// the current copy is starting, crash-looping or failed, the outgoing one keeps serving.
// `current`: the state of the instance's current local copy, nullptr when there is none.
bool outgoing_done(InstanceState outgoing, const InstanceState* current,
                   const config::ServiceSpec& spec);

}  // namespace shoal::placement
