#include "node/api_json.hpp"

#include <algorithm>

#include "node/peer/placement_peer.hpp"
#include "placement/place.hpp"

namespace shoal::node {

nlohmann::json members_json(const gossip::Members& members) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, m] : members) {  // std::map: sorted by name
    out.push_back({{"name", name},
                   {"addr", m.addr.to_string()},
                   {"state", gossip::to_string(m.state)},
                   {"zone", m.meta.zone},
                   {"incarnation", m.incarnation},
                   {"ready", m.meta.ready},
                   {"schedulable", m.meta.schedulable},
                   {"cpu_milli", m.meta.cpu_milli},
                   {"memory_mib", m.meta.memory_mib}});
  }
  return out;
}

}  // namespace shoal::node
