// The greedy: room, spread caps and zone quotas; proposals taken in one global order (home
// instances first, then by pass, rank, key); global services pinned; the assignment out.
#include "placement/placer.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <numeric>
#include <set>

namespace shoal::placement::detail {

bool Placer::has_room(const ServiceRt& s, std::uint32_t p) const {
  const PeerRt& r = peers_[p];
  const auto& req = s.spec->resources;
  if (!s.per_peer.empty() && s.per_peer[p] >= s.spec->placement.max_per_peer) return false;
  for (std::uint16_t port : s.ports)
    if (std::binary_search(r.ports.begin(), r.ports.end(), port)) return false;
  return r.cpu_used + std::max<std::int64_t>(0, req.cpu_milli) <= r.cpu_cap &&
         r.mem_used + std::max<std::int64_t>(0, req.memory_mib) <= r.mem_cap;
}

bool Placer::zone_open(const ServiceRt& s, std::uint32_t p, std::uint32_t relax) const {
  if (!s.zone_of) return true;
  const std::int32_t z = (*s.zone_of)[p];
  if (z < 0) return false;
  const Zone& zone = s.zones[static_cast<std::size_t>(z)];
  return zone.used < zone.quota + (s.soft_zones ? std::int64_t{relax} : 0);
}

std::int64_t Placer::spread_cap(const ServiceRt& s, std::uint32_t p) const {
  // One a peer while the ranked peers outnumber the replicas; past that, the peer's weighted
  // share of the replicas, rounded up (so counts follow capacity, as the ranking does).
  if (s.spread_cap <= 1) return s.spread_cap;
  __extension__ typedef unsigned __int128 Wide;
  const Wide replicas = Wide(static_cast<std::uint64_t>(std::max(0, s.spec->replicas)));
  const Wide total = std::max<Wide>(s.ranked->weight, 1);
  return static_cast<std::int64_t>(std::max<Wide>((replicas * peers_[p].weight + total - 1) / total, 1));
}

std::uint32_t Placer::spread_level(const ServiceRt& s, std::uint32_t p) const {
  std::int64_t need = 0;
  if (s.spread_cap > 0) {
    auto it = s.held.find(p);
    const std::int64_t n = it == s.held.end() ? 0 : it->second;
    need = std::max<std::int64_t>(need, n - spread_cap(s, p) + 1);
  }
  if (s.soft_zones && s.zone_of && (*s.zone_of)[p] >= 0) {
    const Zone& zone = s.zones[static_cast<std::size_t>((*s.zone_of)[p])];
    need = std::max<std::int64_t>(need, zone.used - zone.quota + 1);
  }
  return static_cast<std::uint32_t>(need);
}

void Placer::reset_zones_to_eligible() {
  for (ServiceRt& s : services_) {
    if (s.zones.empty()) continue;
    std::vector<std::size_t> live;  // zones with an eligible peer, by hash
    for (std::size_t z = 0; z < s.zones.size(); ++z) {
      s.zones[z].quota = 0;
      s.zones[z].used = 0;
      for (std::uint32_t p : s.zones[z].list->peers)
        if (peers_[p].ineligible.empty()) {
          live.push_back(z);
          break;
        }
    }
    std::sort(live.begin(), live.end(), [&](std::size_t a, std::size_t b) {
      return std::pair(s.zones[a].hash, s.zones[a].name) < std::pair(s.zones[b].hash, s.zones[b].name);
    });
    const std::int64_t replicas = std::max(0, s.spec->replicas), n = static_cast<std::int64_t>(live.size());
    for (std::int64_t k = 0; k < n; ++k) s.zones[live[k]].quota = replicas / n + (k < replicas % n ? 1 : 0);
  }
  for (std::size_t i = 0; i < order_.size(); ++i) {
    ServiceRt& s = services_[order_[i].service];
    if (results_[i].peer < 0 || !s.zone_of) continue;
    const std::int32_t z = (*s.zone_of)[static_cast<std::size_t>(results_[i].peer)];
    if (z >= 0) s.zones[static_cast<std::size_t>(z)].used += 1;
  }
}

bool Placer::under_cap(const ServiceRt& s, std::uint32_t p) const {
  const PeerRt& r = peers_[p];
  if (tuning_.balance_num == 0 || r.held == 0) return true;
  if (r.closed) return false;
  const auto& req = s.spec->resources;
  return r.cpu_used + std::max<std::int64_t>(0, req.cpu_milli) <= r.cpu_limit &&
         r.mem_used + std::max<std::int64_t>(0, req.memory_mib) <= r.mem_limit;
}

void Placer::commit(const Inst& in, std::uint32_t peer) {
  ServiceRt& s = services_[in.service];
  PeerRt& r = peers_[peer];
  r.cpu_used += std::max<std::int64_t>(0, s.spec->resources.cpu_milli);
  r.mem_used += std::max<std::int64_t>(0, s.spec->resources.memory_mib);
  r.held += 1;
  for (std::uint16_t port : s.ports) r.ports.insert(std::lower_bound(r.ports.begin(), r.ports.end(), port), port);
  if (!s.per_peer.empty()) s.per_peer[peer] += 1;
  if (s.zone_of && (*s.zone_of)[peer] >= 0) s.zones[static_cast<std::size_t>((*s.zone_of)[peer])].used += 1;
  if (s.spread_cap > 0) s.held[peer] += 1;
}

void Placer::place_global() {
  // Before any ranking: each on its own peer, if it has room there (the caps do not apply).
  global_results_.assign(global_.size(), Result{});
  for (std::size_t k = 0; k < global_.size(); ++k) {
    const Pinned& g = global_[k];
    const ServiceRt& s = services_[g.service];
    if (!has_room(s, g.peer)) {
      global_results_[k].reason = "global: no room on its peer " + peers_[g.peer].peer->name + ": " +
                                  room_failure(s, g.peer, false);
      continue;
    }
    commit(Inst{g.service, g.index, 0, false}, g.peer);
    global_results_[k].peer = static_cast<int>(g.peer);
  }
}

// The cursor found no next peer: walk again past the balance cap, or at the next relax level
// of spread; false when neither is left.
bool Placer::restart(Cursor& c) {
  const std::uint32_t relax = c.relax, next_relax = c.next_relax;
  if (!c.spill && c.saw_cap) {  // some peer refused only for the cap: walk again over it
    c = Cursor{};
    c.spill = true;
    c.relax = relax;
    c.next_relax = next_relax;
    return true;
  }
  if (next_relax > relax) {  // a peer with room refused only for spread: relax it
    c = Cursor{};
    c.relax = next_relax;
    return true;
  }
  return false;
}

void Placer::propose_next(std::uint32_t i) {
  Cursor& c = cursors_[i];
  std::pair<Key, std::uint32_t> next;
  while (!next_eligible(order_[i], c, next)) {
    if (restart(c)) continue;
    results_[i].reason = unplaced_reason(order_[i]);
    c = Cursor{};
    return;
  }
  const std::size_t pass = std::size_t{c.relax} * 2 + (c.spill ? 1 : 0);
  if (passes_.size() <= pass) passes_.resize(pass + 1);
  auto& segments = passes_[pass];
  if (segments.size() <= c.segment) segments.resize(c.segment + 1);
  if (segments[c.segment].size() <= c.proposals) segments[c.segment].resize(c.proposals + 1);
  segments[c.segment][c.proposals].push_back(Proposal{next.first, i, next.second});
  ++c.proposals;
}

void Placer::take(const Proposal& pr, bool spill, bool first) {
  const Inst& in = order_[pr.inst];
  ServiceRt& s = services_[in.service];
  Cursor& c = cursors_[pr.inst];
  const bool at_home = in.home && s.home_list && first;  // segment 0, first peer
  const bool room = (s.soft_zones || zone_open(s, pr.peer)) && has_room(s, pr.peer);
  const std::uint32_t need = at_home ? 0 : spread_level(s, pr.peer);
  const bool spread_ok = need <= c.relax;
  if (room && spread_ok && (spill || at_home || under_cap(s, pr.peer))) {
    commit(in, pr.peer);
    results_[pr.inst].peer = static_cast<int>(pr.peer);
    results_[pr.inst].spilled = spill;
    results_[pr.inst].relax = c.relax;
    c = Cursor{};  // frees its batch
    return;
  }
  if (static_cast<int>(pr.inst) == watch_) watched_.emplace_back(pr.peer, peer_verdict(in, pr.peer, c.relax));
  if (room && !spread_ok && (c.next_relax == 0 || need < c.next_relax)) c.next_relax = need;
  if (room && spread_ok) {  // refused for the balance cap alone: this peer closes (see place.hpp)
    c.saw_cap = true;
    peers_[pr.peer].closed = true;
  }
  if (!zone_open(s, pr.peer, c.relax)) skip_segment(c);  // the zone stays full: pass it over
  propose_next(pr.inst);
}

void Placer::run_class(const std::vector<std::uint32_t>& members) {
  for (std::uint32_t i : members) propose_next(i);
  for (std::size_t pass = 0; pass < passes_.size(); ++pass) {
    for (std::size_t seg = 0; seg < passes_[pass].size(); ++seg) {
      for (std::size_t pos = 0; pos < passes_[pass][seg].size(); ++pos) {
        std::vector<Proposal> bucket = std::move(passes_[pass][seg][pos]);
        std::sort(bucket.begin(), bucket.end());
        for (const Proposal& pr : bucket) take(pr, pass % 2 == 1, seg == 0 && pos == 0);
      }
    }
  }
  passes_.clear();
}

void Placer::run_by_class(const std::vector<std::uint32_t>& instances) {
  for (const bool home_class : {true, false}) {
    std::vector<std::uint32_t> members;
    for (std::uint32_t i : instances)
      if (order_[i].home == home_class) members.push_back(i);
    run_class(members);
  }
}

std::vector<std::uint32_t> Placer::unplace_orphans() {
  std::vector<std::uint32_t> orphans;
  for (std::uint32_t i = 0; i < order_.size(); ++i) {
    const int p = results_[i].peer;
    if (p < 0 || !unfit(order_[i], static_cast<std::uint32_t>(p))) continue;
    results_[i] = Result{};
    orphans.push_back(i);
  }
  return orphans;
}

void Placer::solve(int watch) {
  results_.assign(order_.size(), Result{});
  watched_.clear();
  watch_ = watch;
  skip_ineligible_ = false;
  place_global();
  cursors_.assign(order_.size(), Cursor{});
  // Phase A: every ranked peer as if it were eligible. A peer failing stays ranked until it is
  // forgotten, so this part of the result does not change when it fails.
  std::vector<std::uint32_t> all(order_.size());
  std::iota(all.begin(), all.end(), 0u);
  run_by_class(all);
  // Phase B: the instances phase A gave to ineligible peers (orphans) go, in the same global
  // order, to eligible peers with what phase A left: no instance placed on an eligible peer
  // moves for them, so a peer failing moves its own instances only.
  const std::vector<std::uint32_t> orphans = unplace_orphans();
  skip_ineligible_ = true;
  reset_zones_to_eligible();
  run_by_class(orphans);
  cursors_.clear();
}

Assignment Placer::run() {
  solve(-1);
  // Replicated services are sorted by name: an instance's slot is its service's offset plus
  // its index (global services have none there). Global instances are merged in by id.
  std::vector<std::size_t> offset(services_.size() + 1, 0);
  for (std::size_t si = 0; si < services_.size(); ++si)
    offset[si + 1] = offset[si] + (services_[si].global ? 0 : static_cast<std::size_t>(std::max(0, services_[si].spec->replicas)));
  Assignment out;
  out.algorithm_version = kAlgorithmVersion;
  out.instances.resize(order_.size());
  for (std::size_t i = 0; i < order_.size(); ++i) {
    Placed& placed = out.instances[offset[order_[i].service] + order_[i].index];
    placed.id = InstanceId{services_[order_[i].service].spec->name, order_[i].index};
    if (results_[i].peer >= 0) placed.owner = peers_[static_cast<std::size_t>(results_[i].peer)].peer->name;
    else placed.reason = std::move(results_[i].reason);
  }
  if (global_.empty()) return out;
  std::vector<Placed> global;
  for (std::size_t k = 0; k < global_.size(); ++k) {
    const Pinned& g = global_[k];
    if (!peers_[g.peer].ineligible.empty()) continue;  // a peer that cannot run it has none
    Placed placed;
    placed.id = InstanceId{services_[g.service].spec->name, g.index};
    if (global_results_[k].peer >= 0) placed.owner = peers_[g.peer].peer->name;
    else placed.reason = global_results_[k].reason;
    global.push_back(std::move(placed));
  }
  auto by_id = [](const Placed& a, const Placed& b) { return a.id < b.id; };
  std::sort(global.begin(), global.end(), by_id);
  std::vector<Placed> merged;
  merged.reserve(out.instances.size() + global.size());
  std::merge(std::make_move_iterator(out.instances.begin()), std::make_move_iterator(out.instances.end()),
             std::make_move_iterator(global.begin()), std::make_move_iterator(global.end()),
             std::back_inserter(merged), by_id);
  out.instances = std::move(merged);
  return out;
}

}  // namespace shoal::placement::detail
