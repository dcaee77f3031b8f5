// The gossip engine's own PRNG: xoshiro256** seeded through splitmix64, with our own bounded
// draw and shuffle, so one seed gives the same choices on every platform and standard library.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "gossip/splitmix64.hpp"

namespace shoal::gossip {


class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  // Uniform in [0, bound) without modulo bias (bound > 0; returns 0 for bound == 0).
  std::uint64_t below(std::uint64_t bound);
  // Uniform in [lo, hi] (lo <= hi).
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // True with probability num/den.
  bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }
  // Fisher-Yates.
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  std::uint64_t s_[4];
};

}  // namespace shoal::gossip
