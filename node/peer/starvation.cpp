#include "node/peer/starvation.hpp"

#include <algorithm>

namespace shoal::node {

bool StarvationWatch::sample(gossip::Micros now, gossip::Micros run_delay) {
  if (!samples_.empty() && (now <= samples_.back().at || run_delay < samples_.back().run_delay))
    return false;  // out of order, or a counter that went back: not evidence
  samples_.push_back({now, run_delay});
  // Keep the newest sample at least recover_after old, and nothing older (bounded by time,
  // and by count against a caller sampling too often).
  while (samples_.size() > 2 && now - samples_[1].at >= o_.recover_after) samples_.pop_front();
  while (samples_.size() > 256) samples_.pop_front();
  const bool was = starved_;
  if (!starved_) {
    const auto r = ratio_over(o_.span);
    starved_ = r && *r >= o_.starved_ratio;
  } else {
    const auto r = ratio_over(o_.recover_after);
    starved_ = !(r && *r < o_.fed_ratio);
  }
  return starved_ != was;
}

std::optional<double> StarvationWatch::ratio_over(gossip::Micros span) const {
  if (samples_.empty()) return std::nullopt;
  const Sample& now = samples_.back();
  // The newest sample at least `span` before the latest one.
  for (auto it = samples_.rbegin(); it != samples_.rend(); ++it) {
    if (now.at - it->at < span) continue;
    const auto waited = static_cast<double>(now.run_delay - it->run_delay);
    return waited / static_cast<double>(now.at - it->at);
  }
  return std::nullopt;
}

bool another_takes_work(const gossip::Members& members, const std::string& self) {
  return std::any_of(members.begin(), members.end(), [&](const auto& kv) {
    const gossip::Member& m = kv.second;
    return kv.first != self && m.state == gossip::MemberState::alive && m.meta.ready &&
           m.meta.schedulable;
  });
}

}  // namespace shoal::node
