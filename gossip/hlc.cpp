#include "gossip/hlc.hpp"

#include <algorithm>

namespace shoal::gossip {

namespace {
constexpr std::uint64_t kMaxMillis = (std::uint64_t{1} << (64 - Hlc::kLogicalBits)) - 1;
}

std::uint64_t Hlc::from_wall(std::int64_t wall_us) {
  if (wall_us <= 0) return 0;
  std::uint64_t ms = static_cast<std::uint64_t>(wall_us) / 1000;
  ms = std::min(ms, kMaxMillis);
  return ms << kLogicalBits;
}

std::int64_t Hlc::physical_us(std::uint64_t hlc) {
  return static_cast<std::int64_t>(hlc >> kLogicalBits) * 1000;
}

std::uint64_t Hlc::tick(std::int64_t wall_us) {
  const std::uint64_t next = last_ == UINT64_MAX ? last_ : last_ + 1;
  last_ = std::max(next, from_wall(wall_us));
  return last_;
}

void Hlc::observe(std::uint64_t remote) { last_ = std::max(last_, remote); }

}  // namespace shoal::gossip
