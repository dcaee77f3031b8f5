// The stable arithmetic of placement: hashes, the per-pair mixer and the fixed-point weighted
// rendezvous key. Every function here is part of the placement protocol (algorithm version 1):
// it must give bit-identical results on every platform, so it uses only integer arithmetic
// (no libm, no floating point). Pure and thread-compatible.
#pragma once

#include <cstdint>
#include <string_view>

#include "gossip/mix64.hpp"

namespace shoal::placement {

__extension__ typedef unsigned __int128 Key;  // a rendezvous key: lower ranks first

// SipHash-2-4 (libsodium crypto_shorthash) of `bytes` under the fixed placement key, read as a
// little-endian 64-bit integer.
std::uint64_t stable_hash(std::string_view bytes);

// The hashes placement uses: each peer and each instance is hashed once.
std::uint64_t peer_hash(std::string_view peer_name);                         // "p:" + name
std::uint64_t instance_hash(std::string_view service, std::uint32_t index);  // "i:svc/index"
std::uint64_t zone_hash(std::string_view service, std::string_view zone);    // "z:svc/zone"

// Combines an instance hash and a peer hash into the pair's uniform 64-bit draw
// (murmur3's fmix64 of their xor: a few multiplies, no hashing per pair).
constexpr std::uint64_t mix(std::uint64_t a, std::uint64_t b) { return gossip::mix64(a ^ b); }

// -log2(u) in Q32 fixed point for the draw u = (x | 1) / 2^64, from a 1,025-entry table of
// log2(1 + i/1024) built at compile time by integer squaring, linearly interpolated.
// Non-increasing in x; never negative.
std::uint64_t neg_log2_q32(std::uint64_t x);

// floor((2^64 - 1) / weight): the fixed-point reciprocal that turns a draw into a key.
std::uint64_t inverse_weight(std::uint64_t weight);

// The weighted rendezvous key of a draw for a peer of the given inverse weight: -ln(u) / weight
// up to a constant factor (Schindelhauer & Schomaker's weighted HRW, -w/ln(u), inverted so
// that the lowest key wins). Non-increasing in the draw.
inline Key rendezvous_key(std::uint64_t draw, std::uint64_t inv_weight) {
  return static_cast<Key>(neg_log2_q32(draw)) * inv_weight;
}

// The smallest draw whose key is <= bound; 2^64 - 1 when none is (callers compare keys too).
std::uint64_t min_draw_for_key(Key bound, std::uint64_t inv_weight);

// Integer square root: floor(sqrt(v)).
std::uint64_t isqrt(std::uint64_t v);

}  // namespace shoal::placement
