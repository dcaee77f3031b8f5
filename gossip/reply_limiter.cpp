#include "gossip/reply_limiter.hpp"

#include <algorithm>

namespace shoal::gossip {

ReplyLimiter::ReplyLimiter(int burst, Micros interval, std::size_t max_sources)
    : interval_(std::max<Micros>(interval, 0)),
      tolerance_(static_cast<Micros>(std::max(burst, 1) - 1) * std::max<Micros>(interval, 0)),
      max_sources_(std::max<std::size_t>(max_sources, 1)) {}

bool ReplyLimiter::allow(Micros now, const std::string& host) {
  auto it = due_.find(host);
  if (it == due_.end()) {
    if (due_.size() >= max_sources_) {
      std::erase_if(due_, [now](const auto& e) { return e.second <= now; });
      if (due_.size() >= max_sources_) return false;
    }
    it = due_.emplace(host, now).first;
  }
  const Micros tat = std::max(it->second, now);
  if (tat - now > tolerance_) return false;
  it->second = tat + interval_;
  return true;
}

}  // namespace shoal::gossip
