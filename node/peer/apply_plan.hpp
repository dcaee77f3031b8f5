// `shoal apply --plan FILE`: what applying a service file would change, computed on this
// peer's current view without writing anything. For each service of the file: new, changed
// (its spec hash differs: every instance is replaced) or unchanged, and for each instance
// where it runs now, where it would run, and what happens to it: start, restart (replaced at
// the new spec, on the same peer), move (replaced on another peer), stop (past the new replica
// count), keep, or unplaced (with placement's reason). A changed spec with update.canary = N
// gives its restarts the reason "canary" (the N lowest-ranked placed instances) or "after shoal
// promote" (node/peer/canary.hpp). Pure: the agent hands in its view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "placement/view.hpp"

namespace shoal::node {

struct PlannedInstance {
  std::uint32_t index = 0;
  std::optional<std::string> from, to;  // owner now / after (none: not placed)
  std::string action;                   // start, restart, move, stop, keep, unplaced
  std::string reason;                   // unplaced: why; restart: "canary" or "after shoal promote"
};

struct PlannedService {
  std::string service;
  std::string change;  // new, changed, unchanged
  std::string spec_hash_now, spec_hash_next;  // "" when absent
  std::vector<PlannedInstance> instances;     // by index
};

struct ApplyPlan {
  std::vector<PlannedService> services;  // in the file's order
  // Instances of other services that would move or go unplaced because of the file (capacity
  // it takes): service -> those instances.
  std::vector<PlannedService> others;
};

// `view`: the peers and the specs in force; `now`: their assignment (the placement cache's);
// `next`: the file's services, as the peer would publish them.
ApplyPlan plan_apply(const placement::View& view, const placement::Assignment& now,
                     const std::vector<config::ServiceSpec>& next);

// {"services":[{"service","change","spec_hash_now","spec_hash_next","instances":[{"index",
//  "from","to","action","reason"}]}], "others":[the same, only the instances that move]}
// (absent peers and hashes are null).
nlohmann::json apply_plan_json(const ApplyPlan& plan);

}  // namespace shoal::node
