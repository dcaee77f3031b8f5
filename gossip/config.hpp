// Gossip timing and sizing. Profiles lan, wan and local keep hashicorp/memberlist's values so a
// side-by-side with Serf is fair: lan (DefaultLANConfig), wan (DefaultWANConfig), local
// (DefaultLocalConfig). `fast` is Shoal's own: lan with tighter timings, chosen with
// `shoal-sim sweep` for failover p50 <= 5 s / p99 <= 8 s at 5 peers with no false positives at
// 25% loss and with a CPU-starved peer (sim/README.md). Every field may be overridden after
// picking a profile. Plain data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "gossip/types.hpp"

namespace shoal::gossip {

struct Config {
  std::string profile = "lan";

  // SWIM failure detection.
  Micros probe_interval = 1 * kSeconds;
  Micros probe_timeout = 500 * kMillis;
  int indirect_checks = 3;
  int suspicion_mult = 4;       // min timeout = mult * max(1, log10(n)) * probe_interval
  int suspicion_max_mult = 6;   // suspicion starts at up to this many times the min
  bool stream_ping = true;      // also ping over the stream channel when the direct probe fails

  // Dissemination.
  Micros gossip_interval = 200 * kMillis;
  int gossip_nodes = 3;
  int retransmit_mult = 4;      // each update is sent mult * ceil(log10(n+1)) times
  Micros gossip_to_the_dead = 30 * kSeconds;
  Micros push_pull_interval = 30 * kSeconds;  // scaled up past 32 members (pushPullScale)
  // Push-pull and state-sync requests we answer per source host: a burst, then one per
  // interval (the rest are dropped and counted: each answer is our whole table or digest).
  // Peers on one host (a loopback cluster) share it.
  int push_pull_reply_burst = 64;
  Micros push_pull_reply_interval = 100 * kMillis;

  // Lifeguard: local health awareness (multiplier 1..awareness_max), dogpile, buddy system.
  bool lifeguard = true;
  int awareness_max = 8;
  // A tick arriving this late after its deadline means this peer was stalled.
  Micros stall_threshold = 1 * kSeconds;

  // Joining and healing partitions.
  Micros join_retry_interval = 2 * kSeconds;    // until a first seed answers
  Micros seed_retry_interval = 30 * kSeconds;   // later: push-pull to a seed we do not see alive
  Micros reconnect_interval = 30 * kSeconds;    // push-pull to a random dead member (Serf)
  Micros reconnect_timeout = 24 * 3600 * kSeconds;  // dead/left members are remembered this long

  // Sizes.
  std::size_t packet_budget = 1400;   // bytes per UDP datagram
  std::size_t max_meta_bytes = 512;   // encoded metadata bound
  // Of the room a packet has for piggybacked updates, this share (percent) is reserved for
  // replicated-state deltas and the rest for membership updates; either may use what the other
  // leaves unused, so neither starves the other (memberlist issue 299).
  int state_share_percent = 40;

  // Per-peer values (`status/<peer>`, `usage/<peer>`) spread along a broadcast tree (Plumtree,
  // gossip/tree.hpp) instead of the epidemic: each peer receives each value about once. Used
  // only while every live member says it speaks it; otherwise the epidemic carries them.
  bool tree_broadcast = true;
  // ... and only from this many live members on: below it the epidemic costs little (8 sends
  // of a value per peer) and rides on every probe packet at once, which the tree's flush each
  // gossip interval cannot beat under heavy loss.
  int tree_min_members = 32;
  // A value announced to us but not received along the tree this long after: we graft.
  Micros graft_timeout = 400 * kMillis;

  // Replicated state.
  Micros max_clock_skew = 10 * kSeconds;          // remote versions further ahead are refused
  Micros tombstone_ttl = 7 * 24 * 3600 * kSeconds;
  // A store restored pull-first that got no authoritative answer this long after join()
  // falls back to its persisted copy (a whole-cluster cold start).
  Micros cold_start_after = 30 * kSeconds;

  // "lan", "wan", "local" or "fast"; nullopt for an unknown name.
  static std::optional<Config> for_profile(std::string_view name);
  // The names for_profile knows, in that order, for messages: "lan, wan, local, fast".
  static std::string_view profile_names();
  // Empty when valid; otherwise what is wrong.
  std::string validate() const;
};

}  // namespace shoal::gossip
