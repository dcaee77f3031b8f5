#include "gossip/intake_limit.hpp"

#include <algorithm>

namespace shoal::gossip {

namespace {
constexpr std::int64_t kUnit = 1'000'000;  // tokens are counted in millionths
}

void IntakeLimit::refill(Bucket& b, Micros now) const {
  const Micros dt = std::clamp<Micros>(now - b.at, 0, 3600 * kSeconds);
  b.at = std::max(b.at, now);
  b.alive = std::min(rates_.alive_burst * kUnit, b.alive + dt * rates_.alive_per_s);
  b.push_pull =
      std::min(rates_.push_pull_burst * kUnit, b.push_pull + dt * rates_.push_pull_per_s);
}

bool IntakeLimit::full(const Bucket& b) const {
  return b.alive >= rates_.alive_burst * kUnit && b.push_pull >= rates_.push_pull_burst * kUnit;
}

void IntakeLimit::prune(Micros now) {
  last_ = buckets_.end();
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = full(it->second) ? buckets_.erase(it) : std::next(it);
  }
}

bool IntakeLimit::allow(Micros now, std::string_view sender, bool push_pull) {
  // A push-pull's records all come from one sender: one lookup for the lot.
  auto it = last_ != buckets_.end() && last_->first == sender ? last_ : buckets_.find(sender);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kMaxSenders) prune(now);
    if (buckets_.size() >= kMaxSenders) return false;
    Bucket fresh{rates_.alive_burst * kUnit, rates_.push_pull_burst * kUnit, now};
    it = buckets_.emplace(std::string(sender), fresh).first;
  }
  last_ = it;
  Bucket& b = it->second;
  refill(b, now);
  std::int64_t& tokens = push_pull ? b.push_pull : b.alive;
  if (tokens < kUnit) return false;
  tokens -= kUnit;
  return true;
}

}  // namespace shoal::gossip
