// Integer-only versions of the logarithms memberlist's formulas use, so no libm result decides
// a timeout or a retransmit count (peers on different platforms must agree bit for bit).
#pragma once

#include <cstdint>

namespace shoal::gossip {

// log2(x) in 16.16 fixed point, x >= 1 (0 for x == 0).
std::int64_t log2_q16(std::uint64_t x);
// 1000 * log10(x), rounded down (x >= 1).
std::int64_t log10_milli(std::uint64_t x);
// ceil(log10(x)) for x >= 1: the smallest d with 10^d >= x.
int ceil_log10(std::uint64_t x);
// ceil(log2(x)) for x >= 1.
int ceil_log2(std::uint64_t x);

}  // namespace shoal::gossip
