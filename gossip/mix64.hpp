// MurmurHash3's 64-bit finaliser (fmix64), shared by gossip's digests and placement's per-pair
// draw: both are protocol arithmetic that every peer must compute bit for bit alike, so there is
// one definition. Pure, constexpr, thread-compatible.
#pragma once

#include <cstdint>

namespace shoal::gossip {

// A bijection on 64-bit words whose output bits each depend on every input bit.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace shoal::gossip
