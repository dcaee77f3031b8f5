#include "node/known_peers.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "config/units.hpp"

namespace shoal::node {

namespace {

std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

std::vector<gossip::Address> pick_known_peers(const std::string& self,
                                              const gossip::Members& members, std::size_t n) {
  std::vector<std::pair<std::uint64_t, const gossip::Member*>> ranked;
  const std::uint64_t base = fnv1a(fnv1a(1469598103934665603ULL, self), std::string_view("\0", 1));
  for (const auto& [name, m] : members)  // ordered by name: ties resolve the same everywhere
    if (name != self && m.state == gossip::MemberState::alive)
      ranked.emplace_back(fnv1a(base, name), &m);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<gossip::Address> out;
  for (std::size_t i = 0; i < ranked.size() && out.size() < n; ++i) out.push_back(ranked[i].second->addr);
  return out;
}

std::string format_known_peers(const std::vector<gossip::Address>& peers) {
  std::string out;
  for (const auto& a : peers) {
    const bool v6 = a.host.find(':') != std::string::npos;  // parse_address wants [v6]:port
    out += (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port) + "\n";
  }
  return out;
}

std::vector<gossip::Address> parse_known_peers(std::string_view text) {
  std::vector<gossip::Address> out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) continue;
    auto a = config::parse_address(line);
    if (!a.ok()) continue;
    gossip::Address g{a.value->host, a.value->port};
    if (std::find(out.begin(), out.end(), g) == out.end()) out.push_back(std::move(g));
  }
  return out;
}

}  // namespace shoal::node
