// Fast 64-bit digests for hashes that must agree across peers and platforms but need not resist
// an adversary (the view hash's per-member parts): accidental collisions ~2^-64.
#pragma once

#include <cstdint>
#include <string_view>

#include "gossip/mix64.hpp"

namespace shoal::gossip {

// The bytes of `s` read as little-endian 64-bit words, each mixed in; the length first.
inline std::uint64_t digest64(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = mix64(seed ^ (s.size() * 0x9e3779b97f4a7c15ULL));
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w = 0;
    for (int k = 7; k >= 0; --k) w = (w << 8) | static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
  }
  std::uint64_t w = 0;
  for (std::size_t k = s.size(); k > i; --k) w = (w << 8) | static_cast<unsigned char>(s[k - 1]);
  return mix64(h ^ w);
}

}  // namespace shoal::gossip
