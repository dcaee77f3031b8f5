#include "node/usage_service.hpp"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <map>

#include <spdlog/spdlog.h>

#include "gossip/bytes.hpp"

namespace shoal::node {

std::chrono::milliseconds usage_interval(const char* env_value) {
  if (env_value == nullptr || *env_value == '\0') return std::chrono::milliseconds(5000);
  long long v = 0;
  const char* end = env_value + std::strlen(env_value);
  const auto [p, ec] = std::from_chars(env_value, end, v);
  if (ec != std::errc() || p != end || v < 0) return std::chrono::milliseconds(5000);
  return std::chrono::milliseconds(std::min<long long>(v, 3'600'000));
}

UsageService::UsageService(gossip::Engine& engine, UsageSource src, Post post,
                           std::function<gossip::Clock()> now)
    : engine_(engine), self_(src.peer), now_(std::move(now)) {
  const auto interval = usage_interval(std::getenv("SHOAL_USAGE_INTERVAL_MS"));
  if (interval.count() == 0) return;
  interval_ms_ = interval.count();
  sampler_ = std::make_unique<UsageSampler>(
      std::move(src), interval, [this, post = std::move(post)](UsageSummary u) {
        post([this, u = std::move(u)]() mutable { offer(std::move(u)); });
      });
}

void UsageService::offer(UsageSummary u) {
  constexpr std::size_t kWindow = 64;  // readings: 5 min at the default interval
  latest_ = u;
  window_.push_back(std::move(u));
  if (window_.size() > kWindow) window_.erase(window_.begin());
  const auto& members = engine_.members();
  const auto me = members.find(self_);
  if (me == members.end()) return;
  UsageSummary mean = usage_mean(window_);
  const UsagePolicy policy = usage_policy(interval_ms_, engine_.live_members());
  if (!usage_worth_writing(last_, mean, me->second.meta.cpu_milli, me->second.meta.memory_mib,
                           policy))
    return;
  engine_.put(now_(), gossip::Store::usage_key(self_),
              gossip::string_to_bytes(encode_usage(mean)));
  spdlog::debug("usage/{} written: cpu {}m, memory {} MiB, {} instances", self_, mean.cpu_milli,
                mean.memory_mib, mean.instances.size());
  last_ = std::move(mean);
  window_.clear();
  ++writes_;
}

nlohmann::json UsageService::view(std::int64_t now_ms) const {
  UsageViews by_peer;
  const auto& entries = engine_.state().entries();
  for (auto it = entries.lower_bound(gossip::kUsagePrefix);
       it != entries.end() && it->first.starts_with(gossip::kUsagePrefix); ++it) {
    if (it->second.deleted) continue;
    if (const UsageSummary* u = decoded_.get(it->first, it->second.version, it->second.value))
      by_peer.emplace(it->first.substr(gossip::kUsagePrefix.size()), u);
  }
  decoded_.forget_unseen();
  if (latest_) by_peer[self_] = &*latest_;  // fresher than what it gossiped
  return usage_views_json(by_peer, engine_.members(), now_ms);
}

}  // namespace shoal::node
