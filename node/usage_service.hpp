// The agent's side of measured usage: a UsageSampler (node/usage_sampler.hpp) measures this
// peer off the io thread; each reading comes back through `post` to the io thread, where
// usage/<self> is rewritten only when worth it (node/peer/usage_summary.hpp); GET /v1/usage
// answers from the local store (every peer's value, no fan-out), decoding only the values that
// changed since the last request (node/peer/usage_cache.hpp).
//
// The measuring interval is 5 s; SHOAL_USAGE_INTERVAL_MS overrides it (tests, benchmarks;
// 0 turns measuring off). The write policy follows it and the cluster's size (usage_policy:
// by default at most one write per 30 s up to 20 peers, at least one per 5 min). This peer's
// own entry in /v1/usage is its latest reading, not the gossiped one.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gossip/engine.hpp"
#include "node/peer/usage_cache.hpp"
#include "node/peer/usage_summary.hpp"
#include "node/usage_sampler.hpp"

namespace shoal::node {

class UsageService {
 public:
  using Post = std::function<void(std::function<void()>)>;
  UsageService(gossip::Engine& engine, UsageSource src, Post post,
               std::function<gossip::Clock()> now);

  // GET /v1/usage at this peer's wall clock `now_ms`.
  nlohmann::json view(std::int64_t now_ms) const;
  // Whether a replicated-state key is a usage/<peer> value (the agent neither reconciles nor
  // persists on its changes).
  static bool is_usage_key(std::string_view key) { return key.starts_with(gossip::kUsagePrefix); }
  std::uint64_t writes() const { return writes_; }

 private:
  void offer(UsageSummary u);  // on the io thread

  gossip::Engine& engine_;
  std::string self_;
  std::function<gossip::Clock()> now_;
  std::int64_t interval_ms_ = 0;
  std::optional<UsageSummary> last_;    // what this peer last wrote
  std::optional<UsageSummary> latest_;  // its newest reading
  std::vector<UsageSummary> window_;    // the readings since the last write (bounded)
  std::uint64_t writes_ = 0;
  mutable UsageCache decoded_;  // the usage/ values decoded, by key and version (view())
  std::unique_ptr<UsageSampler> sampler_;  // last: its thread stops before the rest goes
};

// The measuring interval: SHOAL_USAGE_INTERVAL_MS when set (0 = off), else 5 s.
std::chrono::milliseconds usage_interval(const char* env_value);

}  // namespace shoal::node
