// What the cluster wants and where it goes, as this peer sees it: the specs of its store that
// pass the gate (node/peer/spec_gate.hpp) and their placement over its view, memoised per view
// hash (node/placement_cache.hpp) so the reconciler, the API, DNS and the catalog share one
// placement. A service whose placement throws is left out and listed, never the end of the
// peer (placement/contained.hpp). Single-threaded: the agent's io thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/spec.hpp"
#include "node/metrics.hpp"
#include "node/peer/auto_revert.hpp"
#include "node/peer/peer.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/placement_cache.hpp"

namespace shoal::node {

class DesiredState {
 public:
  explicit DesiredState(const Peer& peer, int max_replicas);

  // Every live spec/<name> that passes the gate, by name (a newly refused one is logged), a
  // reverted service's as its last good version (node/peer/auto_revert.hpp).
  std::vector<config::ServiceSpec> specs() const;
  // The services specs() reverted, as of its last call.
  const Reverts& reverts() const { return reverts_; }
  // Their placement over the peer's current view.
  const placement::Assignment& placed(const std::vector<config::ServiceSpec>& specs) const;

  // [{"service","origin","error"}]: specs the gate refused and services placement failed.
  nlohmann::json invalid_json() const;
  std::uint64_t refused() const { return gate_.refused(); }
  std::uint64_t placements() const { return placements_; }
  const Histogram& placement_seconds() const { return placement_seconds_; }

 private:
  placement::Assignment place(const std::vector<config::ServiceSpec>& specs) const;

  const Peer& peer_;
  config::SpecLimits limits_;
  mutable SpecGate gate_;
  mutable Reverts reverts_;
  mutable std::map<std::string, std::string> failed_;  // service -> why placement failed
  mutable PlacementCache cache_{[this](const auto& s) { return place(s); }};
  mutable std::uint64_t placements_ = 0;
  mutable Histogram placement_seconds_{placement_buckets()};
};

}  // namespace shoal::node
