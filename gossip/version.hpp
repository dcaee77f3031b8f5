// A replicated entry's version: (hybrid logical clock, origin peer), compared hlc first, then
// origin. The higher version wins; an origin never issues one version twice.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace shoal::gossip {

struct Version {
  std::uint64_t hlc = 0;
  std::string origin;
  friend bool operator==(const Version&, const Version&) = default;
  friend std::strong_ordering operator<=>(const Version&, const Version&) = default;
};

}  // namespace shoal::gossip
