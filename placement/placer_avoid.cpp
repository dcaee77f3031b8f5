// Reschedule's input to placement: the peers an instance skips (View::avoid).
#include <algorithm>

#include "placement/placer.hpp"

namespace shoal::placement::detail {

void Placer::take_avoid(const View& view) {
  if (view.avoid.empty()) return;
  for (std::uint32_t si = 0; si < services_.size(); ++si) {
    const ServiceRt& s = services_[si];
    // Only a service that asks to be rescheduled moves (a listing is a peer's word); a global
    // one has one instance per peer: nowhere else to go.
    if (s.global || !s.spec->reschedule) continue;
    auto it = view.avoid.lower_bound({s.spec->name, 0});
    for (; it != view.avoid.end() && it->first.first == s.spec->name; ++it) {
      std::vector<std::uint32_t> peers;
      for (const auto& name : it->second) {
        auto p = std::lower_bound(peers_.begin(), peers_.end(), name,
                                  [](const PeerRt& r, const std::string& n) { return r.peer->name < n; });
        if (p != peers_.end() && p->peer->name == name)
          peers.push_back(static_cast<std::uint32_t>(p - peers_.begin()));
      }
      std::sort(peers.begin(), peers.end());
      if (!peers.empty()) avoid_[{si, it->first.second}] = std::move(peers);
    }
  }
}

bool Placer::avoids(const Inst& in, std::uint32_t peer) const {
  auto it = avoid_.find({in.service, in.index});
  return it != avoid_.end() && std::binary_search(it->second.begin(), it->second.end(), peer);
}

}  // namespace shoal::placement::detail
