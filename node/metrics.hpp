// GET /metrics (DESIGN.md "Commands"): what the agent already counts, as Prometheus text
// exposition format 0.0.4. The agent fills a MetricsSnapshot on the io thread (plain copies of
// its counters) and render_metrics() turns it into text: pure, no clock, no I/O, so the exact
// output is unit-tested. Names are `shoal_*`; counters end in `_total`; units are in the names.
// Label values are escaped per the format (`\`, `"`, newline) and any other byte outside
// printable ASCII is written as the text `\xNN` (names are validated in gossip, but a label
// value must never break a scrape).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "gossip/engine.hpp"
#include "gossip/store.hpp"
#include "node/dns_server.hpp"
#include "node/runner_counts.hpp"

namespace shoal::node {

// A histogram with fixed upper bounds. Not thread-safe (the agent's io thread owns it).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);  // ascending; +Inf is implicit
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // One count per bound plus the +Inf bucket, not cumulative.
  const std::vector<std::uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }
  double last() const { return last_; }  // the latest observation (0 before the first)

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  double last_ = 0;
  std::uint64_t count_ = 0;
};

// The route class of an API path: a fixed set (a path is hostile input; its labels must not
// grow with what clients send): "/v1/members", "/v1/catalog/:service", ..., "other".
std::string_view api_route(std::string_view path);

// API requests by (method, route class, status class "2xx"...). Methods other than GET, HEAD,
// POST, PUT, DELETE count as "other".
class ApiCounts {
 public:
  using Key = std::tuple<std::string, std::string, std::string>;  // method, route, code
  void count(std::string_view method, std::string_view path, int status);
  const std::map<Key, std::uint64_t>& counts() const { return counts_; }

 private:
  std::map<Key, std::uint64_t> counts_;
};

struct MetricsSnapshot {
  std::string peer;     // this peer's name
  std::string version;  // shoal's version
  std::string profile;  // gossip profile
  double uptime_seconds = 0;
  std::map<std::string, std::uint64_t> members;  // by state; alive/suspect/dead/left always shown
  gossip::Stats gossip;
  std::uint64_t packets_dropped = 0;  // every packet the agent dropped (any reason)
  std::uint64_t packets_unauthenticated = 0;
  std::uint64_t packets_replayed = 0;
  std::uint64_t pending_broadcasts = 0;  // membership updates queued for piggybacking
  std::uint64_t pending_deltas = 0;      // state deltas queued
  std::uint64_t pending_oversized = 0;   // whole values queued for the stream channel
  std::uint64_t stream_accepted = 0;         // gossip stream connections accepted
  std::uint64_t stream_refused = 0;          // over the inbound caps (total and per source)
  std::uint64_t stream_unauthenticated = 0;  // closed on a frame that did not open
  std::uint64_t stream_timed_out = 0;
  std::uint64_t keys_live = 0;
  std::uint64_t keys_deleted = 0;  // tombstones
  gossip::StoreStats state;
  std::uint64_t graves = 0;
  std::uint64_t specs_refused = 0;
  std::uint64_t placements = 0;
  Histogram placement_seconds{{}};
  std::map<std::string, std::uint64_t> unplaced;   // service -> instances unplaced (0 shown)
  std::map<std::string, std::uint64_t> instances;  // this peer's, by state (every state shown)
  RunnerCounts runner;  // starts and stops this peer's Runner executed
  ApiCounts api;
  std::uint64_t catalog_held = 0;
  std::uint64_t handler_errors = 0;
  bool dns = false;  // dns.listen is served: `dns_stats` is meaningful
  DnsServerStats dns_stats;
};

// The buckets of shoal_placement_duration_seconds: 100 us to 2.5 s.
std::vector<double> placement_buckets();

// The exposition text: every family with `# HELP` and `# TYPE`, in a fixed order.
std::string render_metrics(const MetricsSnapshot& s);

// The engine's share of a snapshot: members by state, gossip counters and queues, the store's
// keys, stats and graves.
void take_gossip_metrics(MetricsSnapshot& s, const gossip::Engine& gossip);

// The Content-Type of render_metrics' text.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace shoal::node
