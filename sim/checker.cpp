#include "sim/checker.hpp"

#include <algorithm>

#include "gossip/suspicion.hpp"
#include "sim/engine_access.hpp"
#include "sim/input_hash.hpp"

namespace shoal::sim {

using gossip::MemberState;

Checker::Checker(const Experiment& x, const gossip::Config& cfg, EventQueue& queue, Peers& peers,
                 const Network& network)
    : x_(x), queue_(queue), peers_(peers), network_(network) {
  std::size_t n = x.nodes.size();
  for (const auto& e : x.events)
    if (e.kind == FaultEvent::Kind::join) n += static_cast<std::size_t>(e.count);
  const Micros smin = gossip::suspicion_min_timeout(cfg.suspicion_mult, n, cfg.probe_interval);
  partition_grace_ = smin * (cfg.lifeguard ? cfg.suspicion_max_mult : 1) + 2 * cfg.probe_interval;
}

void Checker::fail(const std::string& what) {
  if (failure_.empty()) failure_ = "t=" + std::to_string(queue_.now() / 1000) + "ms: " + what;
}

// ---- crashes, stops, false positives -------------------------------------------------------------

void Checker::peer_crashed(std::uint32_t i, bool restart) {
  m_.crashes.push_back(Crash{i, peers_[i].name, queue_.now(), restart, std::nullopt, false, 0, std::nullopt});
  check_crashes();  // the last peer that still held an earlier crash alive may be this one
  sweep_writes();   // ... or the last that lacked a write
}

void Checker::member_event(std::uint32_t i, const gossip::Event& e) {
  using gossip::EventKind;
  if (e.kind != EventKind::member_dead && e.kind != EventKind::member_suspect) return;
  const auto target_at = peers_.named(e.name);
  if (!target_at) return;
  const std::uint32_t x = *target_at;
  const SimPeer& target = peers_[x];
  const Micros now = queue_.now();
  if (!target.up) {  // the first suspicion (or death) of a crashed peer: SWIM's first detection
    for (auto c = m_.crashes.rbegin(); c != m_.crashes.rend(); ++c) {
      if (c->peer != x) continue;
      if (!c->first_suspected) c->first_suspected = now;
      break;
    }
  }
  if (e.kind == EventKind::member_suspect && target.up && !target.frozen &&
      e.from == peers_[i].name)
    ++m_.live_suspicions;
  if (e.kind != EventKind::member_dead) return;
  if (!target.up) {  // a crashed peer: is it now dead everywhere?
    crash_check_due_ = true;
    return;
  }
  if (target.frozen) {
    for (auto& s : m_.stops) {
      if (s.peer != x || s.until <= now) continue;
      s.declared_dead = true;
      if (!s.detected && dead_everywhere(e.name)) s.detected = now;
    }
    return;
  }
  std::uint32_t declarer = i;
  if (auto d = peers_.named(e.from)) declarer = *d;
  false_positive(declarer, x);
}

bool Checker::dead_everywhere(const std::string& name) const {
  for (const auto& p : peers_) {
    if (!live(p)) continue;
    const auto st = member_state(p.peer->engine(), name);
    if (st && is_live(*st)) return false;
  }
  return true;
}

void Checker::false_positive(std::uint32_t declarer, std::uint32_t x) {
  // A live peer declared dead: a false positive unless the declarer was cut off from it (now,
  // or by a partition that ended within the suspicion window).
  if (network_.blocked(declarer, x) || network_.blocked(x, declarer)) return;
  if (network_.split_recently(declarer, x, partition_grace_)) return;
  m_.fp_candidates.insert(x);
}

void Checker::check_crashes() {
  for (auto& c : m_.crashes) {
    if (c.detected || c.returned) continue;
    if (peers_[c.peer].up) {  // came back before everyone saw it dead
      c.returned = true;
      continue;
    }
    while (c.cursor < peers_.size()) {
      const SimPeer& p = peers_[static_cast<std::uint32_t>(c.cursor)];
      if (live(p)) {
        const auto st = member_state(p.peer->engine(), c.name);
        if (st && is_live(*st)) break;
      }
      ++c.cursor;
    }
    if (c.cursor == peers_.size()) c.detected = queue_.now();
  }
}

// ---- dissemination -------------------------------------------------------------------------------

void Checker::write_seen(std::uint32_t i, const std::string& key) {
  auto it = m_.writes.find(key);
  if (it == m_.writes.end()) return;
  auto& ws = it->second;
  for (std::size_t k = 0; k < ws.size();) {
    if (ws[k].cursor == i && advance(ws[k])) {
      ws.erase(ws.begin() + static_cast<std::ptrdiff_t>(k));
    } else {
      ++k;
    }
  }
  if (ws.empty()) m_.writes.erase(it);
}

void Checker::track_write(const std::string& key, const gossip::Version& v) {
  Write w;
  w.key = key;
  w.version = v;
  w.at = queue_.now();
  w.spec = key.starts_with("spec/");
  if (advance(w)) return;  // a cluster of one
  m_.writes[key].push_back(std::move(w));
}

bool Checker::advance(Write& w) {
  // Moves the cursor past every peer that holds the write (or a newer version) or is not live.
  // The last live peer to receive it is the cursor's when it does, so completion is exact.
  while (w.cursor < peers_.size()) {
    const SimPeer& p = peers_[static_cast<std::uint32_t>(w.cursor)];
    if (live(p)) {
      const gossip::Entry* e = p.peer->engine().state().find(w.key);
      if (!e || e->version < w.version) return false;
    }
    ++w.cursor;
  }
  const double s = static_cast<double>(queue_.now() - w.at) / 1e6;
  m_.dissemination.push_back(s);
  if (w.spec) m_.dissemination_specs.push_back(s);
  return true;
}

void Checker::sweep_writes() {
  for (auto it = m_.writes.begin(); it != m_.writes.end();) {
    auto& ws = it->second;
    for (std::size_t k = 0; k < ws.size();) {
      if (advance(ws[k])) ws.erase(ws.begin() + static_cast<std::ptrdiff_t>(k));
      else ++k;
    }
    it = ws.empty() ? m_.writes.erase(it) : std::next(it);
  }
}

// ---- convergence and samples ---------------------------------------------------------------------

void Checker::start_convergence(Micros last_event_end) {
  m_.last_event_end = last_event_end;
  queue_.push_at(last_event_end, Ev::converge_check);
}

void Checker::converge_check() {
  // Every 100 ms from the end of the last timed event until the views agree.
  if (m_.converged_at) return;
  if (check_converged()) m_.converged_at = queue_.now();
  else queue_.push_at(queue_.now() + 100 * gossip::kMillis, Ev::converge_check);
}

bool Checker::check_converged() {
  // The engines' own view hashes (every member with incarnation, state and metadata, and the
  // spec versions: what `shoal status` shows; O(1) each) are all equal, and the view they
  // share sees exactly the peers that are up as alive (checked on one of them).
  std::optional<std::uint64_t> view;
  SimPeer* first = nullptr;
  for (auto& p : peers_) {
    if (!live(p)) continue;
    const std::uint64_t h = p.peer->engine().view_hash();
    if (view && *view != h) return false;
    view = h;
    if (!first) first = &p;
  }
  if (!first) return true;
  refresh_input_hash(*first);
  return first->members_hash == truth_hash(peers_);
}

void Checker::sample(std::uint64_t udp_sent, std::optional<InstanceCounts> instances) {
  check_crashes();
  check_invariants();
  sweep_writes();
  take_sample(udp_sent, instances);
}

void Checker::take_sample(std::uint64_t udp_sent, std::optional<InstanceCounts> instances) {
  Sample s;
  s.t_s = static_cast<double>(queue_.now()) / 1e6;
  long total = 0;
  s.alive_min = SIZE_MAX;
  for (const auto& p : peers_) {
    if (!live(p)) continue;
    ++s.live_peers;
    total += p.live_seen;
    s.alive_min = std::min(s.alive_min, static_cast<std::size_t>(std::max(0L, p.live_seen)));
  }
  if (s.live_peers == 0) s.alive_min = 0;
  s.alive_avg = s.live_peers ? static_cast<double>(total) / static_cast<double>(s.live_peers) : 0;
  m_.load.push_back({s.t_s, s.live_peers, udp_sent});
  if (instances) {
    s.desired = instances->desired;
    s.running = instances->running;
    s.duplicated = instances->duplicated;
  }
  m_.series.push_back(s);
  m_.peer_seconds += static_cast<double>(s.live_peers) * static_cast<double>(x_.sample) / 1e6;
}

void Checker::check_invariants() {
  for (const auto& p : peers_) {
    if (!live(p)) continue;
    if (member_state(p.peer->engine(), p.name) != std::optional<MemberState>(MemberState::alive)) {
      fail(p.name + " does not see itself alive");
      return;
    }
  }
}

}  // namespace shoal::sim
