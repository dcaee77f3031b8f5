#include "gossip/intmath.hpp"

namespace shoal::gossip {

std::int64_t log2_q16(std::uint64_t x) {
  if (x == 0) return 0;
  int ip = 63;
  while (!(x >> ip)) --ip;  // integer part
  // Mantissa m in [1, 2) as Q31, so m * m fits in 64 bits.
  std::uint64_t m = ip >= 31 ? x >> (ip - 31) : x << (31 - ip);
  const std::uint64_t one = std::uint64_t{1} << 31;
  std::int64_t frac = 0;
  for (int bit = 15; bit >= 0; --bit) {
    m = (m * m) >> 31;
    if (m >= 2 * one) {
      m >>= 1;
      frac |= (std::int64_t{1} << bit);
    }
  }
  return (static_cast<std::int64_t>(ip) << 16) | frac;
}

std::int64_t log10_milli(std::uint64_t x) {
  // log10(x) = log2(x) * log10(2), with log10(2) = 0.30102999566 as Q20 (315653).
  constexpr std::int64_t kLog10Of2Q20 = 315653;
  std::int64_t l2 = log2_q16(x);  // Q16, < 2^23
  return (l2 * kLog10Of2Q20 * 1000) >> 36;
}

int ceil_log10(std::uint64_t x) {
  int d = 0;
  std::uint64_t p = 1;
  while (p < x) {
    if (p > UINT64_MAX / 10) return d + 1;
    p *= 10;
    ++d;
  }
  return d;
}

int ceil_log2(std::uint64_t x) {
  int d = 0;
  std::uint64_t p = 1;
  while (p < x) {
    if (p > UINT64_MAX / 2) return d + 1;
    p *= 2;
    ++d;
  }
  return d;
}

}  // namespace shoal::gossip
