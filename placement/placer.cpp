// The Placer's set-up: the view made canonical, the peers weighed, each service's candidates,
// spread quotas and instances, and the balance cap.
#include "placement/placer.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <numeric>
#include <set>

namespace shoal::placement::detail {
namespace {

constexpr std::int64_t kCapacityMax = std::int64_t{1} << 31;

std::int64_t clamp_capacity(std::int64_t v) { return std::clamp<std::int64_t>(v, 0, kCapacityMax); }

// A canonical text of a constraint list, to share eligibility between equal lists.
std::string constraints_signature(const std::vector<config::Constraint>& cs) {
  std::string sig;
  for (const auto& c : cs) {
    sig += c.to_string();
    sig.push_back('\n');
  }
  return sig;
}

}  // namespace

Placer::Placer(const View& view, const Tuning& tuning) : tuning_(tuning) {
  if (tuning_.balance_den == 0) tuning_.balance_num = 0;
  take_peers(view);
  const auto specs = canonical_specs(view);
  const Demand demand = demand_of(specs);
  weigh_peers(demand);
  std::map<std::string, Eligibility> by_constraints;
  services_.resize(specs.size());
  for (std::size_t si = 0; si < specs.size(); ++si)
    add_service(static_cast<std::uint32_t>(si), *specs[si], by_constraints);
  sort_order();
  set_balance_limits(demand);
  take_avoid(view);
}

// Peers, canonical by name (names are unique in a view: they key the membership), and why each
// ineligible one is.
void Placer::take_peers(const View& view) {
  std::vector<const Peer*> sorted;
  sorted.reserve(view.peers.size());
  for (const auto& p : view.peers) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(),
            [](const Peer* a, const Peer* b) { return a->name < b->name; });
  sorted.erase(std::unique(sorted.begin(), sorted.end(),
                           [](const Peer* a, const Peer* b) { return a->name == b->name; }),
               sorted.end());
  std::uint32_t lowest = 0;
  bool any_live = false;
  for (const Peer* p : sorted) {
    if (p->state != MemberState::alive && p->state != MemberState::suspect) continue;
    lowest = any_live ? std::min(lowest, p->algorithm_version) : p->algorithm_version;
    any_live = true;
  }
  peers_.resize(sorted.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const Peer& p = *sorted[i];
    PeerRt& r = peers_[i];
    r.peer = &p;
    r.hash = peer_hash(p.name);
    r.group_hash = mix(r.hash, kGroupSalt);
    r.cpu_cap = clamp_capacity(p.cpu_milli);
    r.mem_cap = clamp_capacity(p.memory_mib);
    if (p.state == MemberState::dead) r.ineligible = "dead";
    else if (p.state == MemberState::left) r.ineligible = "left";
    else if (!p.ready) r.ineligible = "not ready";
    else if (!p.schedulable) r.ineligible = "not schedulable";
    else if (p.algorithm_version != lowest)
      r.ineligible = "on algorithm version " + std::to_string(p.algorithm_version) +
                     " (the view's lowest is " + std::to_string(lowest) + ")";
  }
}

// Services, canonical by name.
std::vector<const config::ServiceSpec*> Placer::canonical_specs(const View& view) {
  std::vector<const config::ServiceSpec*> specs;
  for (const auto& s : view.services) specs.push_back(&s);
  std::sort(specs.begin(), specs.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  specs.erase(std::unique(specs.begin(), specs.end(),
                          [](const auto* a, const auto* b) { return a->name == b->name; }),
              specs.end());
  return specs;
}

// The workload's total demand; a global service counts one instance a matching peer.
Placer::Demand Placer::demand_of(const std::vector<const config::ServiceSpec*>& specs) const {
  Demand d;
  for (const auto* spec : specs) {
    Wide replicas = Wide(std::max(0, spec->replicas));
    if (spec->placement.mode == config::Placement::Mode::global) {
      replicas = 0;
      for (const auto& r : peers_) {
        bool ok = true;
        for (const auto& c : spec->placement.constraints)
          ok = ok && c.matches(r.peer->name, r.peer->zone, r.peer->labels);
        replicas += ok ? 1 : 0;
      }
    }
    d.cpu += Wide(std::max<std::int64_t>(0, spec->resources.cpu_milli)) * replicas;
    d.mem += Wide(std::max<std::int64_t>(0, spec->resources.memory_mib)) * replicas;
  }
  return d;
}

// Weights: a peer's capacity in units of the workload's mix, min(cpu, memory x rho) with
// rho = total cpu demand / total memory demand (Q16). Then a peer's expected dominant share
// is the same on every peer. Without demand in a dimension, the other one alone. (A change
// of demand scales the weights of memory-bound peers a little: it moves few instances.)
void Placer::weigh_peers(const Demand& d) {
  std::uint64_t rho = 0;  // Q16 millicores per MiB
  if (d.cpu > 0 && d.mem > 0) {
    const Wide r = (d.cpu << 16) / d.mem;
    rho = static_cast<std::uint64_t>(std::min<Wide>(std::max<Wide>(r, 1), Wide(1) << 47));
  }
  constexpr std::uint64_t kWeightMax = std::uint64_t{1} << 47;
  ref_weight_ = 0;
  for (PeerRt& r : peers_) {
    const Wide cpu = Wide(static_cast<std::uint64_t>(r.cpu_cap)) << 16;
    const Wide mem = Wide(static_cast<std::uint64_t>(r.mem_cap));
    Wide w;
    if (d.cpu > 0 && d.mem > 0) w = std::min(cpu, mem * rho);
    else if (d.cpu > 0) w = cpu;
    else if (d.mem > 0) w = mem << 16;
    else w = Wide(isqrt(static_cast<std::uint64_t>(r.cpu_cap) * static_cast<std::uint64_t>(r.mem_cap)));
    r.weight = static_cast<std::uint64_t>(std::clamp<Wide>(w, 1, kWeightMax));
    r.inv_weight = inverse_weight(r.weight);
    if (r.ineligible.empty()) ref_weight_ += r.weight;
  }
  ref_weight_ = std::max<std::uint64_t>(ref_weight_, 1);
}

// The candidates of services with these constraints, computed once for all of them.
Placer::Eligibility& Placer::eligibility(const config::ServiceSpec& spec,
                                         std::map<std::string, Eligibility>& by_constraints) {
  const std::string sig = constraints_signature(spec.placement.constraints);
  auto it = by_constraints.find(sig);
  if (it != by_constraints.end()) return it->second;
  auto fails = std::make_shared<std::vector<std::string>>(peers_.size());
  std::vector<std::uint32_t> ranked;
  auto eligible = std::make_shared<std::vector<std::uint32_t>>();
  for (std::uint32_t p = 0; p < peers_.size(); ++p) {
    for (const auto& c : spec.placement.constraints) {
      if (!c.matches(peers_[p].peer->name, peers_[p].peer->zone, peers_[p].peer->labels)) {
        (*fails)[p] = c.to_string();
        break;
      }
    }
    if (!(*fails)[p].empty()) continue;
    ranked.push_back(p);
    if (peers_[p].ineligible.empty()) eligible->push_back(p);
  }
  bool any_zone = false;
  for (std::uint32_t p : ranked) any_zone = any_zone || !peers_[p].peer->zone.empty();
  Eligibility e{make_list(std::move(ranked)), eligible, fails, {}, nullptr, any_zone};
  return by_constraints.emplace(sig, std::move(e)).first->second;
}

void Placer::add_service(std::uint32_t si, const config::ServiceSpec& spec,
                         std::map<std::string, Eligibility>& by_constraints) {
  ServiceRt& s = services_[si];
  s.spec = &spec;
  Eligibility& e = eligibility(spec, by_constraints);
  s.ranked = e.ranked;
  s.eligible = e.eligible;
  s.constraint_fail = e.fails;
  for (const auto& port : spec.ports)
    if (port.host) s.ports.push_back(*port.host);
  std::sort(s.ports.begin(), s.ports.end());
  s.ports.erase(std::unique(s.ports.begin(), s.ports.end()), s.ports.end());
  if (spec.placement.max_per_peer > 0) s.per_peer.assign(peers_.size(), 0);
  if (spec.placement.mode == config::Placement::Mode::global) {
    pin_global(si);
    return;
  }
  if (spec.placement.home && !spec.home_peer.empty()) find_home(s);
  const std::int64_t replicas = std::max(0, spec.replicas);
  using Spread = config::Placement::Spread;
  const Spread spread = spec.placement.spread;
  const std::int64_t ranked_n = static_cast<std::int64_t>(s.ranked->peers.size());
  if (spread != Spread::none && ranked_n > 0) s.spread_cap = (replicas + ranked_n - 1) / ranked_n;
  const bool by_zone = spread == Spread::zone || (spread == Spread::automatic && e.any_zone);
  s.soft_zones = spread == Spread::automatic;
  if (by_zone && replicas > 0) set_zone_quotas(s, e, replicas);
  const bool home = spec.placement.home && !spec.home_peer.empty();
  for (std::int64_t i = 0; i < replicas; ++i) {
    Inst in;
    in.service = si;
    in.index = static_cast<std::uint32_t>(i);
    in.hash = instance_hash(spec.name, in.index);
    in.home = home;
    order_.push_back(in);
  }
}

// Instance ids from the peers' name hashes (31 bits), so a peer joining or failing adds or
// removes its own instance and renames none; a collision (about 1 in 2^31 a pair) takes the
// next free id, in name order.
void Placer::pin_global(std::uint32_t si) {
  ServiceRt& s = services_[si];
  s.global = true;
  std::set<std::uint32_t> taken;
  for (std::uint32_t p : s.ranked->peers) {
    std::uint32_t index = static_cast<std::uint32_t>(peers_[p].hash >> 33);
    while (!taken.insert(index).second) index = (index + 1) & 0x7fffffffu;
    global_.push_back(Pinned{si, index, p});
  }
}

// The home peer, ranked first, eligible or not: while it is not, its instances rank it and go on.
void Placer::find_home(ServiceRt& s) {
  const std::string& home = s.spec->home_peer;
  auto pit = std::lower_bound(peers_.begin(), peers_.end(), home,
                              [](const PeerRt& r, const std::string& n) { return r.peer->name < n; });
  if (pit == peers_.end() || pit->peer->name != home) return;
  s.home = static_cast<int>(pit - peers_.begin());
  if (std::binary_search(s.ranked->peers.begin(), s.ranked->peers.end(),
                         static_cast<std::uint32_t>(s.home)))
    s.home_list = make_list({static_cast<std::uint32_t>(s.home)});
}

// The zones of the ranked peers, eligible or not (a peer failing changes no quota in phase A;
// phase B splits the orphans over the zones with an eligible peer). Quotas: replicas split
// evenly; the remainder goes to the zones first by hash.
void Placer::set_zone_quotas(ServiceRt& s, Eligibility& e, std::int64_t replicas) {
  if (!e.zone_of) {
    std::map<std::string, std::vector<std::uint32_t>> zones;
    for (std::uint32_t p : s.ranked->peers) zones[peers_[p].peer->zone].push_back(p);
    auto zone_of = std::make_shared<std::vector<std::int32_t>>(peers_.size(), -1);
    for (auto& [name, members] : zones) {
      for (std::uint32_t p : members) (*zone_of)[p] = static_cast<std::int32_t>(e.zones.size());
      e.zones.emplace_back(name, make_list(std::move(members)));
    }
    e.zone_of = std::move(zone_of);
  }
  s.zone_of = e.zone_of;
  for (const auto& [name, list] : e.zones) {
    Zone z;
    z.name = name;
    z.hash = zone_hash(s.spec->name, name);
    z.list = list;
    s.zones.push_back(std::move(z));
  }
  std::vector<std::size_t> by_hash(s.zones.size());
  std::iota(by_hash.begin(), by_hash.end(), 0);
  std::sort(by_hash.begin(), by_hash.end(), [&](std::size_t a, std::size_t b) {
    return std::pair(s.zones[a].hash, s.zones[a].name) < std::pair(s.zones[b].hash, s.zones[b].name);
  });
  const std::int64_t n = static_cast<std::int64_t>(s.zones.size());
  for (std::int64_t k = 0; k < n; ++k)
    s.zones[by_hash[k]].quota = replicas / n + (k < replicas % n ? 1 : 0);
}

// The canonical order: home instances first, then by hash, service name, index.
void Placer::sort_order() {
  std::sort(order_.begin(), order_.end(), [&](const Inst& a, const Inst& b) {
    if (a.home != b.home) return a.home;
    if (a.hash != b.hash) return a.hash < b.hash;
    const auto& na = services_[a.service].spec->name;
    const auto& nb = services_[b.service].spec->name;
    return na != nb ? na < nb : a.index < b.index;
  });
}

// Balance cap (bounded loads): each eligible peer may take, in each dimension, its capacity
// x num / den x the target share: the larger of the fair share (total demand over eligible
// capacity, in the dimension where it is highest) and the share the weights give every peer.
// The capacity counted is every peer of the view, dead and draining ones included, so that
// a peer failing (it stays in the view as dead until forgotten) changes no other peer's
// limit; only when the eligible peers hold under 3/4 of it, the eligible capacity alone.
void Placer::set_balance_limits(const Demand& d) {
  std::uint64_t all_weight = 0;
  for (const auto& r : peers_) all_weight += r.weight;
  const bool count_all = Wide(ref_weight_) * 4 >= Wide(all_weight) * 3;
  Wide cap_cpu = 0, cap_mem = 0;
  for (const auto& r : peers_)
    if (count_all || r.ineligible.empty()) {
      cap_cpu += Wide(r.cpu_cap);
      cap_mem += Wide(r.mem_cap);
    }
  Wide share_num = 0, share_den = 0;
  auto raise = [&](Wide num, Wide den) {
    if (den == 0) return;
    if (share_den == 0 || num * share_den > share_num * den) {
      share_num = num;
      share_den = den;
    }
  };
  raise(d.cpu, cap_cpu);
  raise(d.mem, cap_mem);
  const std::uint64_t counted_weight = count_all ? std::max<std::uint64_t>(all_weight, 1) : ref_weight_;
  if (d.cpu > 0) raise(d.cpu << 16, counted_weight);
  else if (d.mem > 0) raise(d.mem << 16, counted_weight);
  for (auto& r : peers_) {
    if (tuning_.balance_num == 0 || share_den == 0) {
      r.cpu_limit = r.cpu_cap;
      r.mem_limit = r.mem_cap;
      continue;
    }
    const Wide num = share_num * tuning_.balance_num, den = share_den * tuning_.balance_den;
    r.cpu_limit = static_cast<std::int64_t>(std::min<Wide>(Wide(r.cpu_cap) * num / den, Wide(r.cpu_cap)));
    r.mem_limit = static_cast<std::int64_t>(std::min<Wide>(Wide(r.mem_cap) * num / den, Wide(r.mem_cap)));
  }
}

}  // namespace shoal::placement::detail
