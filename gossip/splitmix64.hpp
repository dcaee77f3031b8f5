// splitmix64 (Steele, Lea and Flood): the seed stream of every PRNG of ours (gossip's
// xoshiro256** seeding, the simulator's sub-seeds, the placement benchmark's and the tests'
// generators), one definition so one seed means the same draws everywhere. Pure, constexpr.
#pragma once

#include <cstdint>

namespace shoal::gossip {

// Advances `state` and returns its next output.
constexpr std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace shoal::gossip
