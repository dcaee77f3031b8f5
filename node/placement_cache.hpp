// The last placement, memoised: `shoal ps`, `shoal services` and the reconciler all want the
// assignment of the current view, and placing is the costly step (300 ms at 10,000 peers), so
// it runs again only when its inputs changed. The key is the engine's view hash (members with
// incarnation, state and metadata, spec versions, algorithm version) plus the specs the gate
// accepted (compared whole: the gate's output, so nothing it filters can slip past the key).
// Pure and single-threaded (the agent's io thread owns it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "config/spec.hpp"
#include "placement/reschedule.hpp"
#include "placement/view.hpp"

namespace shoal::node {

class PlacementCache {
 public:
  using Place = std::function<placement::Assignment(const std::vector<config::ServiceSpec>&)>;

  explicit PlacementCache(Place place) : place_(std::move(place)) {}

  // The assignment `place(specs)` gave for this (view_hash, specs); calls `place` only when
  // either differs from the previous call. The reference stays valid until the next call.
  // `avoid` (reschedule, from statuses) is part of the key too.
  const placement::Assignment& get(std::uint64_t view_hash,
                                   const std::vector<config::ServiceSpec>& specs,
                                   const placement::Avoid& avoid = {});

  // How many times `place` ran (for /v1/status stats.placements).
  std::uint64_t placements() const { return placements_; }

 private:
  Place place_;
  std::optional<std::uint64_t> view_hash_;  // unset until the first placement
  std::vector<config::ServiceSpec> specs_;
  placement::Avoid avoid_;
  placement::Assignment assignment_;
  std::uint64_t placements_ = 0;
};

}  // namespace shoal::node
