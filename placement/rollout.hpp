// The rolling-update decision for a service with an `update` policy: which stale instances may
// be replaced now. Pure and coordinator-free: every peer computes it from the same inputs (the
// assignment and each owner's report) and replaces only the chosen instances it owns.
//
// Rule, over the service's placed instances in id order (the rank every peer agrees on):
//  - done:  its owner reports it at the new spec hash and settled (ready for min_healthy_time,
//           as the owner measured it; an owner that does not report settledness, an older
//           peer, counts a ready copy as settled);
//  - stale: its owner reports a live copy (starting|running|healthy|unhealthy) at another hash;
//  - not ready: anything else (starting or unsettled at the new hash, stopping, exited,
//           pending, not reported yet).
// A stale instance of rank r may be replaced when (1) fewer than `parallelism` instances are
// not ready (the budget: the rollout also waits while crashes or failovers take instances
// down) and (2) every instance ranked at or below r - parallelism is done (the window).
// The window bounds the rollout whatever the gossip lag: done-ness a peer sees is true (its
// owner reported it), so every instance being replaced lies within `parallelism` ranks of the
// lowest instance not done, and at most `parallelism` are down because of the rollout. The
// budget is evaluated on the peer's view: a failure it has not heard of yet is not counted.
// A new version that never turns healthy stays at `parallelism` unready instances.
// Canaries (update.canary = N > 0 in the spec passed in; node/peer/canary.hpp zeroes it once
// the version is promoted, reverted or a revert): only the N lowest-ranked instances may be
// replaced, so N copies of the new version run beside the old ones until the promotion, which
// every peer reads from the same replicated key; then the rule above goes on from rank N.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/spec.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::placement {

using Millis = config::Millis;

// One placed instance of the service as its owner reports it (reported = false: no report).
struct RolloutReport {
  InstanceId id;
  bool reported = false;
  InstanceState state = InstanceState::pending;
  std::string spec_hash;
  std::optional<bool> settled;  // nullopt: the owner does not say (an older peer)
  bool overdue = false;         // the owner says it missed healthy_deadline at spec_hash
};

enum class RolloutClass { done, stale, not_ready };

RolloutClass classify(const RolloutReport& r, const config::ServiceSpec& spec,
                      const std::string& hash);

// The instances that may be replaced now, in rank order. `reports`: every placed instance of
// the service, sorted by id; `hash`: the spec hash of `spec`; spec.update must be set.
std::vector<InstanceId> replaceable_now(const config::ServiceSpec& spec, const std::string& hash,
                                        const std::vector<RolloutReport>& reports);

// Where the rollout to `hash` stands, from the same reports: failed once any instance at
// `hash` is reported overdue (it did not settle within healthy_deadline of its first start
// there, as its owner measured), healthy once every instance is done, awaiting_promotion when
// the spec holds canaries and its canaries (the first min(canary, size) reports) are done but
// not every instance, else rolling. Every peer derives the same verdict from the same
// statuses, with no coordinator.
enum class Deployment { rolling, healthy, failed, awaiting_promotion };
std::string_view to_string(Deployment d);
Deployment deployment_state(const config::ServiceSpec& spec, const std::string& hash,
                            const std::vector<RolloutReport>& reports);

// A local copy ready (healthy, or running without a health check) since `ready_since` is
// settled at `now` once min_healthy_time has passed.
// The canaries `spec` holds back the rollout for: update.canary, 0 without a policy.
inline int canaries_of(const config::ServiceSpec& spec) {
  return spec.update ? std::max(spec.update->canary, 0) : 0;
}

inline bool settled_at(Millis now, Millis ready_since, Millis min_healthy_time) {
  return now - ready_since >= min_healthy_time;
}

}  // namespace shoal::placement
