#include "gossip/config.hpp"

namespace shoal::gossip {

std::optional<Config> Config::for_profile(std::string_view name) {
  Config c;  // lan defaults (memberlist DefaultLANConfig)
  if (name == "lan") return c;
  if (name == "wan") {  // memberlist DefaultWANConfig
    c.profile = "wan";
    c.suspicion_mult = 6;
    c.push_pull_interval = 60 * kSeconds;
    c.probe_timeout = 3 * kSeconds;
    c.probe_interval = 5 * kSeconds;
    c.gossip_nodes = 4;
    c.gossip_interval = 500 * kMillis;
    c.gossip_to_the_dead = 60 * kSeconds;
    c.stall_threshold = 5 * kSeconds;
    return c;
  }
  if (name == "local") {  // memberlist DefaultLocalConfig
    c.profile = "local";
    c.indirect_checks = 1;
    c.retransmit_mult = 2;
    c.suspicion_mult = 3;
    c.push_pull_interval = 15 * kSeconds;
    c.probe_timeout = 200 * kMillis;
    c.probe_interval = 1 * kSeconds;
    c.gossip_interval = 100 * kMillis;
    c.gossip_to_the_dead = 15 * kSeconds;
    return c;
  }
  if (name == "fast") {
    // lan, tightened. The winner of `shoal-sim sweep` (sim/sweep.hpp; its table is in
    // docs/benchmarks.md): failover p50 <= 5 s and p99 <= 8 s at 5 peers, 25% loss, no false
    // positives with a peer whose packets are handled 1 s late (seeds 1-10; held on seeds 11-40).
    // The probe interval stays above that delay so a starved peer's indirect acks arrive in time.
    // Lifeguard stays whole (awareness_max 8, lan's): the reconcile step's gate is
    // gossip::StallGate, not the awareness score.
    c.profile = "fast";
    c.probe_interval = 1100 * kMillis;
    c.probe_timeout = 700 * kMillis;
    c.gossip_interval = 50 * kMillis;
    c.suspicion_mult = 1;
    c.suspicion_max_mult = 2;
    c.indirect_checks = 3;
    c.awareness_max = 8;
    c.push_pull_interval = 15 * kSeconds;
    return c;
  }
  return std::nullopt;
}

std::string_view Config::profile_names() { return "lan, wan, local, fast"; }

std::string Config::validate() const {
  if (probe_interval <= 0) return "probe_interval must be > 0";
  if (probe_timeout <= 0 || probe_timeout > probe_interval)
    return "probe_timeout must be > 0 and <= probe_interval";
  if (indirect_checks < 0) return "indirect_checks must be >= 0";
  if (suspicion_mult < 1) return "suspicion_mult must be >= 1";
  if (suspicion_max_mult < 1) return "suspicion_max_mult must be >= 1";
  if (gossip_interval <= 0) return "gossip_interval must be > 0";
  if (gossip_nodes < 1) return "gossip_nodes must be >= 1";
  if (graft_timeout <= 0) return "graft_timeout must be > 0";
  if (tree_min_members < 2) return "tree_min_members must be >= 2";
  if (retransmit_mult < 1) return "retransmit_mult must be >= 1";
  if (push_pull_interval <= 0) return "push_pull_interval must be > 0";
  if (push_pull_reply_burst < 1 || push_pull_reply_interval < 0)
    return "push_pull_reply_burst must be >= 1 and push_pull_reply_interval >= 0";
  if (awareness_max < 1) return "awareness_max must be >= 1";
  if (stall_threshold <= 0) return "stall_threshold must be > 0";
  if (join_retry_interval <= 0 || seed_retry_interval <= 0 || reconnect_interval <= 0)
    return "retry intervals must be > 0";
  if (reconnect_timeout <= 0) return "reconnect_timeout must be > 0";
  if (packet_budget < 512 || packet_budget > 65000) return "packet_budget must be in [512, 65000]";
  if (max_meta_bytes < 64 || max_meta_bytes > packet_budget / 2)
    return "max_meta_bytes must be in [64, packet_budget/2]";
  if (state_share_percent < 10 || state_share_percent > 90)
    return "state_share_percent must be in [10, 90]";
  if (max_clock_skew <= 0 || tombstone_ttl <= 0 || cold_start_after <= 0)
    return "max_clock_skew, tombstone_ttl and cold_start_after must be > 0";
  return {};
}

}  // namespace shoal::gossip
