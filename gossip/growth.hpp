// Gentle vector growth for tables held once per member per engine: a vector that doubles can
// waste half its memory, which thousands of engines in one simulator multiply. Growing by an
// eighth keeps appends amortised O(1) with at most ~12% slack.
#pragma once

#include <algorithm>
#include <cstddef>

namespace shoal::gossip {

template <typename V>
void reserve_gently(V& v, std::size_t n) {
  if (n <= v.capacity()) return;
  v.reserve(std::max(n, v.capacity() + v.capacity() / 8 + 16));
}

}  // namespace shoal::gossip
