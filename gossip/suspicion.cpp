#include "gossip/suspicion.hpp"

#include <algorithm>

#include "gossip/intmath.hpp"

namespace shoal::gossip {

Micros suspicion_min_timeout(int suspicion_mult, std::size_t n, Micros probe_interval) {
  std::int64_t scale_milli = std::max<std::int64_t>(1000, log10_milli(std::max<std::size_t>(n, 1)));
  return static_cast<Micros>(suspicion_mult) * scale_milli * probe_interval / 1000;
}

Micros suspicion_timeout(Micros min, Micros max, int k, int confirmations) {
  if (k < 1 || max <= min) return min;
  if (confirmations <= 0) return max;
  if (confirmations >= k) return min;
  // frac = log(c+1)/log(k+1), in Q16; the base of the logarithm cancels out.
  std::int64_t num = log2_q16(static_cast<std::uint64_t>(confirmations) + 1);
  std::int64_t den = log2_q16(static_cast<std::uint64_t>(k) + 1);
  std::int64_t frac_q16 = (num << 16) / den;
  const Micros span = max - min;
  const Micros cut = span < (INT64_MAX >> 17) ? (span * frac_q16) >> 16 : (span >> 16) * frac_q16;
  Micros raw = max - cut;
  return std::max(min, raw);
}

int suspicion_k(int suspicion_mult, std::size_t n) {
  int k = suspicion_mult - 2;
  if (static_cast<std::int64_t>(n) - 2 < k) k = 0;
  return std::max(k, 0);
}

int retransmit_limit(int retransmit_mult, std::size_t n) {
  return retransmit_mult * std::max(1, ceil_log10(static_cast<std::uint64_t>(n) + 1));
}

Micros push_pull_scale(Micros interval, std::size_t n) {
  constexpr std::size_t kThreshold = 32;
  if (n <= kThreshold) return interval;
  int mult = ceil_log2(n) - 5 + 1;  // ceil(log2(n) - log2(32)) + 1
  return interval * mult;
}

}  // namespace shoal::gossip
