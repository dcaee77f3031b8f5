// place() with failures contained per service: if placing the whole view throws (bad_alloc, a
// bug), each service is placed alone to find the ones that throw; those are left out (listed
// with the error) and the others placed together. Never throws std::exception. Pure.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "placement/place.hpp"

namespace shoal::placement {

struct Contained {
  Assignment assignment;
  std::vector<std::pair<std::string, std::string>> failed;  // (service, what it threw)
};

// `place_fn` is place() itself; tests hand in one that throws.
using PlaceFn = Assignment (*)(const View&, const Tuning&);
Contained place_contained(const View& view, const Tuning& tuning = {},
                          PlaceFn place_fn = static_cast<PlaceFn>(&place));

}  // namespace shoal::placement
