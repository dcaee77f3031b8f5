// placement::explain: why an instance is where it is. Replays place() up to the instance and
// lists the peers in the order the algorithm ranked them, with the verdict on each: the chosen
// one, and why each better-ranked peer was skipped. Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "placement/place.hpp"

namespace shoal::placement {

struct RankedPeer {
  std::string peer;
  bool chosen = false;
  // "chosen", "home peer", "ineligible: dead", "ineligible: fails constraint zone != eu-3",
  // "full: memory (needs 512 MiB, 100 free)", "max_per_peer (1) reached", "port conflict:
  // host port 8080", "zone quota: zone eu-1 has its 2 instances", "balance cap: ...",
  // "ranked below the chosen peer", ...
  std::string verdict;
};

struct Explanation {
  InstanceId id;
  bool exists = false;               // false when the view has no such instance
  std::optional<std::string> owner;  // as place() decides
  std::string reason;                // why unplaced (empty when placed)
  std::vector<RankedPeer> ranked;    // best first; every peer of the view appears once
  std::string to_string() const;     // a human-readable table, one peer a line
};

Explanation explain(const View& view, const InstanceId& id);
Explanation explain(const View& view, const InstanceId& id, const Tuning& tuning);

}  // namespace shoal::placement
