#include "sim/faults.hpp"

#include <algorithm>

namespace shoal::sim {

Faults::Faults(const Experiment& x, std::uint64_t seed, EventQueue& queue, const Peers& peers,
               Network& network, FaultTarget& target)
    : x_(x), rng_(seed), queue_(queue), peers_(peers), network_(network), target_(target),
      picked_(x.events.size()) {}

Micros Faults::schedule() {
  Micros last_end = 0;
  for (std::uint32_t f = 0; f < x_.events.size(); ++f) {
    queue_.push_at(x_.events[f].at, Ev::fault_begin, 0, f);
    last_end = std::max(last_end, x_.events[f].end());
  }
  return last_end;
}

void Faults::begin(std::uint32_t f) {
  const FaultEvent& e = x_.events[f];
  using K = FaultEvent::Kind;
  switch (e.kind) {
    case K::kill:
      for (auto i : pick_up(e.count, false)) target_.crash(i, false);
      break;
    case K::stop:
      picked_[f] = pick_up(e.count, false);
      target_.freeze(picked_[f], queue_.now() + e.length);
      queue_.push_at(e.at + e.length, Ev::fault_end, 0, f);
      break;
    case K::partition:
      partition(e);
      queue_.push_at(e.at + e.length, Ev::fault_end, 0, f);
      break;
    case K::slow:
      picked_[f] = pick_up(e.count, false);
      for (auto i : picked_[f]) {
        network_.set_slow(i, e.delay);
        slow_names_.push_back(peers_[i].name);
      }
      queue_.push_at(e.at + e.length, Ev::fault_end, 0, f);
      break;
    case K::join:
      join(e);
      break;
    case K::update:
      target_.update_spec(e.service, e.broken);
      break;
    case K::restart:
      picked_[f] = pick_up(e.count, false);
      rng_.shuffle(picked_[f]);
      for (std::uint32_t k = 0; k < picked_[f].size(); ++k)
        queue_.push_at(e.at + e.every * k, Ev::restart_down, k, f);
      break;
  }
}

void Faults::end(std::uint32_t f) {
  using K = FaultEvent::Kind;
  switch (x_.events[f].kind) {
    case K::stop:
      for (auto i : picked_[f]) target_.resume(i);
      break;
    case K::partition:
      network_.heal();
      break;
    case K::slow:
      for (auto i : picked_[f]) network_.set_slow(i, 0);
      break;
    default:
      break;
  }
}

void Faults::restart_down(std::uint32_t f, std::uint32_t k) {
  target_.crash(picked_[f][k], true);
  queue_.push_at(queue_.now() + x_.events[f].length, Ev::restart_up, k, f);
}

void Faults::restart_up(std::uint32_t f, std::uint32_t k) {
  const std::uint32_t i = picked_[f][k];
  if (peers_[i].up) return;
  target_.restart(i, x_.events[f].disk);
}

void Faults::partition(const FaultEvent& e) {
  // Every peer shuffled, then cut into groups of the given fractions (the rest: one more).
  std::vector<std::uint32_t> all(peers_.size());
  for (std::uint32_t j = 0; j < all.size(); ++j) all[j] = j;
  rng_.shuffle(all);
  std::vector<int> groups(all.size(), 0);
  std::size_t pos = 0;
  int g = 0;
  for (double frac : e.fractions) {
    auto take = static_cast<std::size_t>(frac * static_cast<double>(all.size()));
    for (std::size_t k = 0; k < take && pos < all.size(); ++k) groups[all[pos++]] = g;
    ++g;
  }
  while (pos < all.size()) groups[all[pos++]] = g;
  network_.partition(std::move(groups), e.oneway);
}

void Faults::join(const FaultEvent& e) {
  // New peers j0, j1, ... shaped like the experiment's peers in turn.
  for (int k = 0; k < e.count; ++k) {
    ExperimentNode n;
    n.name = std::to_string(joined_++);
    n.name.insert(0, 1, 'j');
    if (!x_.nodes.empty()) {
      const auto& proto = x_.nodes[joined_ % x_.nodes.size()];
      n.cpu_milli = proto.cpu_milli;
      n.memory_mib = proto.memory_mib;
      n.zone = proto.zone;
    }
    target_.join(n);
  }
}

std::vector<std::uint32_t> Faults::pick_up(int n, bool allow_frozen) {
  std::vector<std::uint32_t> pool;
  for (std::uint32_t j = 0; j < peers_.size(); ++j)
    if (peers_[j].up && peers_[j].started && (allow_frozen || !peers_[j].frozen)) pool.push_back(j);
  rng_.shuffle(pool);
  if (n >= 0 && static_cast<std::size_t>(n) < pool.size()) pool.resize(static_cast<std::size_t>(n));
  std::sort(pool.begin(), pool.end());
  return pool;
}

}  // namespace shoal::sim
