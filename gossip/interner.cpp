#include "gossip/interner.hpp"

#include <functional>

namespace shoal::gossip {

namespace {
std::size_t mix(std::size_t h, std::size_t v) {
  return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
}
}  // namespace

std::size_t CardHash::operator()(const Card& c) const {
  std::hash<std::string> hs;
  const Meta& m = c.meta;
  std::size_t h = mix(hs(c.addr.host), c.addr.port);
  h = mix(h, hs(m.zone));
  for (const auto& [k, v] : m.labels) h = mix(mix(h, hs(k)), hs(v));
  h = mix(h, static_cast<std::size_t>(m.cpu_milli));
  h = mix(h, static_cast<std::size_t>(m.memory_mib));
  h = mix(h, hs(m.api));
  h = mix(h, m.algorithm_version);
  return mix(h, (m.ready ? 1u : 0u) | (m.schedulable ? 2u : 0u));
}

}  // namespace shoal::gossip
