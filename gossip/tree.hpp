// The broadcast tree's state: Plumtree (Leitao, Pereira, Rodrigues, "Epidemic Broadcast Trees",
// SRDS 2007) over SWIM's membership, for per-peer values (status/<peer>, usage/<peer>).
//
// Each peer keeps a few links to other members, each eager or lazy. A value new to us goes at
// once (each gossip interval) whole to the eager links and as an id (key, hlc) to the lazy
// ones. A value that arrives twice proves a cycle: the second sender is pruned to lazy, so the
// eager links settle into a spanning tree and each peer receives each value about once instead
// of retransmit_mult * log10(n) times. An id announced by a lazy link whose value the tree did
// not bring within graft_timeout is asked for (graft), which also makes that link eager: the
// tree repairs itself around loss and departed members. Over UDP each id is announced twice
// and a graft is retried round the announcers. Push-pull still repairs the rest.
// Links are picked at random among live members (gossip_nodes + 1 of our own choosing, two of
// them eager, plus whoever links to us, up to kMaxLinks); a departed member's link is dropped.
//
// Plain data, owned and driven by the engine (engine_tree.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "gossip/store.hpp"
#include "gossip/types.hpp"

namespace shoal::gossip {

struct BroadcastTree {
  static constexpr std::size_t kMaxLinks = 16;
  static constexpr std::size_t kEagerLinks = 2;  // of the links we pick; the rest start lazy
  static constexpr std::size_t kMaxAnnouncers = 4;  // remembered per missing value

  struct Pending {
    Store::Fresh fresh;
    std::string source;  // the link it came from (empty: ours, or from push-pull)
  };
  static constexpr int kMaxGrafts = 8;  // per missing value, round the announcers
  struct Missing {
    std::uint64_t hlc = 0;
    std::vector<std::string> announcers;  // lazy links that have it, in the order they said
    Micros deadline = 0;                  // graft the next announcer then
    int grafts = 0;                       // sent so far
  };

  std::map<std::string, bool, std::less<>> links;  // member name -> eager
  std::uint64_t links_checked_at = UINT64_MAX;     // the engine's member_changes_ then
  std::vector<Pending> pending;                    // to send at the next gossip interval
  // Ids sent in the last flush: announced once more in the next, so that one lost datagram
  // does not leave a peer to push-pull (the tree's links are lossy UDP, not TCP as in Plumtree).
  std::vector<Pending> recent;
  std::map<std::string, Missing, std::less<>> missing;  // by key

  std::size_t eager_count() const {
    std::size_t n = 0;
    for (const auto& [name, eager] : links) n += eager;
    return n;
  }
};

}  // namespace shoal::gossip
