// Helpers shared by the multi-peer gossip tests.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "sim_net.hpp"

namespace shoal::gossip::testing {

inline std::string peer_name(std::size_t i) {
  std::string s = "p";
  s += std::to_string(i);
  return s;
}

// n peers p0..p(n-1); p0 starts alone, the others join through p0, 20 ms apart.
inline void start_cluster(SimNet& net, std::size_t n, const Config& cfg, Micros t0 = 0) {
  for (std::size_t i = 0; i < n; ++i) net.add(peer_name(i), cfg);
  net.join_at(t0, 0, {});
  for (std::size_t i = 1; i < n; ++i)
    net.join_at(t0 + static_cast<Micros>(i) * 20 * kMillis, i, {0});
}

// Runs in steps until converged() or `limit`; returns the time it converged (or -1).
inline Micros run_until_converged(SimNet& net, Micros limit, Micros step = 100 * kMillis) {
  while (net.now() < limit) {
    net.run_until(net.now() + step);
    if (net.converged()) return net.now();
  }
  return net.converged() ? net.now() : -1;
}

// member_dead events emitted after `since` about `name` (any name when empty), excluding those
// emitted by `skip_emitter`.
inline std::size_t count_events(const SimNet& net, EventKind kind, Micros since,
                                const std::string& name = {}) {
  std::size_t n = 0;
  for (const auto& r : net.events())
    if (r.time >= since && r.event.kind == kind && (name.empty() || r.event.name == name)) ++n;
  return n;
}

}  // namespace shoal::gossip::testing
