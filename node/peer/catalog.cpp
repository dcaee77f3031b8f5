#include "node/peer/catalog.hpp"

#include <algorithm>
#include <tuple>

#include "node/peer/json_text.hpp"

namespace shoal::node {

bool serving(placement::InstanceState state, bool has_health_check) {
  using S = placement::InstanceState;
  return state == S::healthy || (state == S::running && !has_health_check);
}

std::vector<Endpoint> endpoints(std::string_view service, const gossip::Members& members,
                                const std::map<std::string, placement::PeerStatus>& statuses,
                                const config::ServiceSpec* spec) {
  const bool checked = spec && spec->health.kind != config::HealthCheck::Kind::none;
  std::vector<Endpoint> out;
  for (const auto& [peer, status] : statuses) {
    auto m = members.find(peer);
    if (m == members.end()) continue;
    const auto st = m->second.state;
    if (!gossip::is_live(st)) continue;
    const placement::InstanceId first{std::string(service), 0};
    auto it = std::lower_bound(
        status.instances.begin(), status.instances.end(), first,
        [](const placement::InstanceStatus& s, const placement::InstanceId& id) { return s.id < id; });
    for (; it != status.instances.end() && it->id.service == service; ++it) {
      out.push_back(Endpoint{it->id.service, it->id.index, peer, m->second.addr.host,
                             it->host_ports, it->state, serving(it->state, checked)});
      if (!it->outgoing_ports.empty())  // start-first: the old copy serves until it stops
        out.push_back(Endpoint{it->id.service, it->id.index, peer, m->second.addr.host,
                               it->outgoing_ports, placement::InstanceState::healthy, true});
    }
  }
  std::sort(out.begin(), out.end(), [](const Endpoint& a, const Endpoint& b) {
    return std::tie(a.index, a.peer) < std::tie(b.index, b.peer);
  });
  return out;
}

nlohmann::json endpoints_json(const std::vector<Endpoint>& endpoints) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : endpoints) {
    nlohmann::json ports = nlohmann::json::object();
    for (const auto& [name, port] : e.ports) ports[name] = port;
    out.push_back({{"service", e.service},
                   {"index", e.index},
                   {"peer", e.peer},
                   {"address", e.address},
                   {"ports", ports},
                   {"state", std::string(placement::to_string(e.state))}});
  }
  return out;
}

std::optional<nlohmann::json> catalog_answer(
    const std::string& service, const gossip::Members& members,
    const std::map<std::string, placement::PeerStatus>& statuses,
    const std::vector<config::ServiceSpec>& specs) {
  const config::ServiceSpec* spec = nullptr;
  for (const auto& s : specs)
    if (s.name == service) spec = &s;
  auto eps = endpoints(service, members, statuses, spec);
  if (!spec && eps.empty()) return std::nullopt;
  return endpoints_json(eps);
}

std::uint64_t catalog_index(const nlohmann::json& answer) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a over the answer's text
  for (unsigned char c : json_text(answer)) h = (h ^ c) * 1099511628211ULL;
  return h == 0 ? 1 : h;
}

}  // namespace shoal::node
