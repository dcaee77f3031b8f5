// Starts, stops and restarts of this peer's instances, counted from the Runner's successive
// reports (the status it publishes as status/<self>): the reports carry states, not events, so
// the agent compares each report with the previous one. Pure. Between two reports an instance
// that appears was started (or adopted: the agent skips its first report, which lists what it
// found running), one that disappears was stopped (or moved away, or ended and was forgotten),
// and a rise of its `restarts` counts those restarts. A start and a stop between two reports
// (a step makes one report) are not seen.
#pragma once

#include <cstdint>

#include "placement/status.hpp"

namespace shoal::node {

struct InstanceChanges {
  std::uint64_t starts = 0;
  std::uint64_t stops = 0;
  std::uint64_t restarts = 0;

  // Adds what changed from `before` to `after` (both sorted by id, as Runner::status() is).
  void add(const placement::PeerStatus& before, const placement::PeerStatus& after);
};

}  // namespace shoal::node
