// Reschedule (the service's `reschedule` policy, Nomad's names): an instance that exhausts its
// restart attempts on one peer (`failed`) moves to the next peer of its ranking, with no
// coordinator. Its owner lists it in its status (PeerStatus::failed_here) from `delay` after
// the failure until `interval` later (on its own clock); every peer builds View::avoid from
// the statuses of live peers (avoid_of), and placement skips, for that instance only, every
// peer that lists it (phase B, as for a dead peer: nothing else moves). So every peer derives
// the same owner from the same statuses. An owner lists a failure only while fewer than
// `attempts` other live peers list the instance; past that it stays failed where it is. A
// listed peer that dies stops counting (its status is no longer read).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/spec.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::placement {

using Avoid = std::map<std::pair<std::string, std::uint32_t>, std::vector<std::string>>;

// View::avoid from the statuses of `live` peers (self included when its status is there).
Avoid avoid_of(const std::map<std::string, PeerStatus>& statuses,
               const std::set<std::string>& live);

// How many of `statuses` list `id` as failed on their peer.
int failed_listings(const std::map<std::string, PeerStatus>& statuses,
                    const std::set<std::string>& live, const InstanceId& id);

// The owner's record of one failure: listed in its status from `from` until `until`.
struct FailureListing {
  config::Millis from = 0, until = 0;
};

// A failure at `now` under `policy`.
inline FailureListing listing_for(config::Millis now, const config::ReschedulePolicy& policy) {
  return {now + policy.delay, now + policy.delay + policy.interval};
}

}  // namespace shoal::placement
