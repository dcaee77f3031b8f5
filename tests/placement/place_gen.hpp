// Test helpers for placement: a seeded PRNG and random views. Header-only, tests only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "gossip/splitmix64.hpp"
#include "placement/view.hpp"

namespace shoal::placement::testing {

struct Rng {  // splitmix64: our own, identical everywhere
  std::uint64_t s;
  std::uint64_t next() { return shoal::gossip::splitmix64(s); }
  std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }
  bool chance(int percent) { return below(100) < static_cast<std::uint64_t>(percent); }
};

template <typename T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

inline Peer make_peer(std::string name, std::int64_t cpu, std::int64_t mem, std::string zone = "") {
  Peer p;
  p.name = std::move(name);
  p.cpu_milli = cpu;
  p.memory_mib = mem;
  p.zone = std::move(zone);
  return p;
}

inline config::ServiceSpec make_service(std::string name, int replicas, std::int64_t cpu, std::int64_t mem) {
  config::ServiceSpec s;
  s.name = std::move(name);
  s.replicas = replicas;
  s.resources.cpu_milli = cpu;
  s.resources.memory_mib = mem;
  return s;
}

inline config::Constraint constraint(config::Constraint::Attr attr, config::Constraint::Op op,
                                     std::vector<std::string> values, std::string label = "") {
  config::Constraint c;
  c.attr = attr;
  c.op = op;
  c.values = std::move(values);
  c.label = std::move(label);
  return c;
}

struct GenOptions {
  bool features = true;     // constraints, zones spread, ports, max_per_peer, home, states
  int load_percent = 60;    // total requests / total capacity, roughly
  std::size_t max_peers = 40;
};

// A random view: peers of mixed sizes in up to 3 zones, services with random features.
inline View random_view(std::uint64_t seed, const GenOptions& o = {}) {
  Rng rng{seed};
  View v;
  const std::size_t peers = 1 + rng.below(o.max_peers);
  static const char* kZones[] = {"eu-1", "eu-2", "eu-3"};
  std::int64_t total_cpu = 0;
  for (std::size_t i = 0; i < peers; ++i) {
    // Each draw a statement of its own: the order of a call's arguments is the compiler's.
    const char* zone = kZones[rng.below(3)];
    const auto cpu = 4000 * static_cast<std::int64_t>(1 + rng.below(4));
    Peer p = make_peer("peer-" + std::to_string(i), cpu, 0, zone);
    p.memory_mib = p.cpu_milli * 2;
    if (rng.chance(30)) p.labels["ssd"] = "true";
    if (o.features) {
      const auto r = rng.below(20);
      if (r == 0) p.state = MemberState::dead;
      else if (r == 1) p.state = MemberState::suspect;
      else if (r == 2) p.ready = false;
      else if (r == 3) p.schedulable = false;
      else if (r == 4) p.state = MemberState::left;
    }
    total_cpu += p.cpu_milli;
    v.peers.push_back(std::move(p));
  }
  const std::size_t services = 1 + rng.below(10);
  const std::int64_t budget = total_cpu * o.load_percent / 100;
  for (std::size_t i = 0; i < services; ++i) {
    const int replicas = static_cast<int>(1 + rng.below(8));
    const std::int64_t cpu = std::max<std::int64_t>(
        1, budget / static_cast<std::int64_t>(services) / replicas * static_cast<std::int64_t>(1 + rng.below(3)) / 2);
    config::ServiceSpec s = make_service("svc-" + std::to_string(i), replicas, cpu, cpu * 2);
    if (o.features) {
      if (rng.chance(20))
        s.placement.constraints.push_back(constraint(config::Constraint::Attr::zone, config::Constraint::Op::ne,
                                                     {kZones[rng.below(3)]}));
      if (rng.chance(15))
        s.placement.constraints.push_back(
            constraint(config::Constraint::Attr::label, config::Constraint::Op::eq, {"true"}, "ssd"));
      if (rng.chance(25)) s.placement.spread = config::Placement::Spread::zone;
      if (rng.chance(20)) s.placement.max_per_peer = static_cast<int>(1 + rng.below(2));
      if (rng.chance(20)) {
        config::Port port;
        port.name = "http";
        port.container = 80;
        port.host = static_cast<std::uint16_t>(8080 + rng.below(2));
        s.ports.push_back(port);
      }
      if (rng.chance(15)) {
        s.placement.home = true;
        s.home_peer = "peer-" + std::to_string(rng.below(peers));
      }
    }
    v.services.push_back(std::move(s));
  }
  return v;
}

}  // namespace shoal::placement::testing
