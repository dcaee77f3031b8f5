// The peers a restarted agent rejoins. A peer remembers a few live members in data_dir/peers
// and, at its next start, joins them besides its configured `join` seeds: a restarted seed (or a
// peer whose seeds are all gone) finds its cluster at once instead of waiting for someone to
// retry it (Serf keeps a snapshot for the same reason; this is just the addresses).
// Pure: the agent reads and writes the file.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gossip/types.hpp"

namespace shoal::node {

inline constexpr std::size_t kKnownPeers = 5;

// Up to `n` alive members other than `self`, those with the lowest hash of (self, name): stable
// while they live (the file is rewritten only when the choice changes) and different from peer
// to peer (a restarted cluster does not pile onto the same few).
std::vector<gossip::Address> pick_known_peers(const std::string& self,
                                              const gossip::Members& members,
                                              std::size_t n = kKnownPeers);
// One `host:port` per line.
std::string format_known_peers(const std::vector<gossip::Address>& peers);
// The addresses of a file written by format_known_peers; lines that do not parse are skipped
// (the file only helps a join; it never stops a start).
std::vector<gossip::Address> parse_known_peers(std::string_view text);

}  // namespace shoal::node
