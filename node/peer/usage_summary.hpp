// The measured usage of one peer as it travels in the replicated state (`usage/<peer>`), when a
// peer rewrites it, and the GET /v1/usage view of every peer's. Pure (no I/O).
//
// Why a key of its own, and not status/<peer> or a fetch from the owners: status writes already
// fill the gossip budget at scale, and every write costs each peer
// retransmit_mult * ceil(log10(n+1)) transmissions of it. So usage/<peer> is small (positional
// JSON, cpu in steps of 10 milli-cores, memory in MiB), rides the bulk (status) lane, lives and
// dies with its member like status/<peer> (gossip/store.hpp), carries the mean CPU since the last
// write (noise does not count as change), and is rewritten only when that moved by a meaningful
// amount, at most every `min_interval` (which grows with the cluster, so the cluster's write rate
// stays bounded), and at least every `refresh` (so a reader tells a quiet peer from a gone one by
// age_ms). Every peer answers /v1/usage from its own store (its own entry fresh): no fan-out, no
// wait on a slow owner.
//
// Value, version 1 (instances sorted by service then index):
//   [1, measured_at_wall_ms, host_cpu_milli, host_memory_mib, agent_cpu_milli, agent_rss_mib,
//    [[service, index, cpu_milli, rss_mib], ...]]
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gossip/types.hpp"

namespace shoal::node {

struct InstanceUsage {
  std::string service;
  int index = 0;
  std::int64_t cpu_milli = 0;
  std::int64_t rss_mib = 0;
  friend bool operator==(const InstanceUsage&, const InstanceUsage&) = default;
};

struct UsageSummary {
  std::int64_t measured_ms = 0;      // wall clock of the peer that measured
  std::int64_t cpu_milli = 0;        // the host's CPU in use (all processes)
  std::int64_t memory_mib = 0;       // the host's memory in use (MemTotal - MemAvailable)
  std::int64_t agent_cpu_milli = 0;  // the `shoal agent` process itself
  std::int64_t agent_rss_mib = 0;
  std::vector<InstanceUsage> instances;
  friend bool operator==(const UsageSummary&, const UsageSummary&) = default;
};

// Rounds to what is gossiped (cpu to 10 milli-cores, negatives to 0) and sorts the instances.
UsageSummary quantised(UsageSummary u);

std::string encode_usage(const UsageSummary& u);
// nullopt on anything malformed (never throws); bounded by the value's own bytes.
std::optional<UsageSummary> decode_usage(std::string_view bytes);

struct UsagePolicy {
  std::int64_t min_interval_ms = 30'000;  // never two writes closer than this
  std::int64_t refresh_ms = 300'000;      // rewrite an unchanged reading after this
};

// For a measuring interval and the count of live members: min_interval = 6 intervals per 20
// members (30 s up to 20 peers at the default 5 s, 150 s at 100, 25 min at 1,000: at most
// ~0.7 writes a second cluster-wide, whatever its size), refresh = 10 min_intervals.
UsagePolicy usage_policy(std::int64_t interval_ms, std::size_t live_members);

// The readings since the last write as one: the newest's instance set, memory and time, each cpu
// the mean of the readings that have it (quantised).
UsageSummary usage_mean(const std::vector<UsageSummary>& readings);

// Whether `now` (a quantised mean) is worth a write over `last` (what this peer last wrote, if
// anything), given the peer's capacity. Meaningful: the set of instances changed, or host cpu
// moved by max(250 milli, 20% of capacity), host memory by max(256 MiB, 10% of capacity) (a
// host's load moves every peer on it, and a usage bar needs no finer steps), the agent's or an
// instance's cpu by max(100 milli, 50%) or memory by max(16 MiB, 25%).
bool usage_worth_writing(const std::optional<UsageSummary>& last, const UsageSummary& now,
                         std::int64_t cpu_capacity_milli, std::int64_t memory_capacity_mib,
                         const UsagePolicy& policy);

// GET /v1/usage: {"peers":[{"peer","cpu_milli","cpu_capacity_milli","memory_mib",
// "memory_capacity_mib","agent_cpu_milli","agent_rss_mib","age_ms"}],
//  "instances":[{"service","index","peer","cpu_milli","rss_mib","age_ms"}]}
// for the alive and suspect members with a readable value; peers by name, instances by
// service, index. age_ms = now - measured_at, never negative (a peer's clock ahead of ours).
nlohmann::json usage_json(const std::map<std::string, UsageSummary>& by_peer,
                          const gossip::Members& members, std::int64_t now_ms);
// The same over values held elsewhere (node/peer/usage_cache.hpp), by peer; none null.
using UsageViews = std::map<std::string, const UsageSummary*>;
nlohmann::json usage_views_json(const UsageViews& by_peer, const gossip::Members& members,
                                std::int64_t now_ms);

}  // namespace shoal::node
