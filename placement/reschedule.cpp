#include "placement/reschedule.hpp"

#include <algorithm>

namespace shoal::placement {

Avoid avoid_of(const std::map<std::string, PeerStatus>& statuses,
               const std::set<std::string>& live) {
  Avoid out;
  for (const auto& [peer, st] : statuses) {  // by peer name: each list comes out sorted
    if (!live.count(peer)) continue;
    for (const auto& id : st.failed_here) {
      auto& peers = out[{id.service, id.index}];
      if (peers.empty() || peers.back() != peer) peers.push_back(peer);
    }
  }
  return out;
}

int failed_listings(const std::map<std::string, PeerStatus>& statuses,
                    const std::set<std::string>& live, const InstanceId& id) {
  int n = 0;
  for (const auto& [peer, st] : statuses) {
    if (!live.count(peer)) continue;
    n += std::binary_search(st.failed_here.begin(), st.failed_here.end(), id) ? 1 : 0;
  }
  return n;
}

}  // namespace shoal::placement
