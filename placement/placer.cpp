#include "placement/placer.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <numeric>
#include <set>

namespace shoal::placement::detail {
namespace {

constexpr int kLevels = Placer::kLevels;  // candidate levels: 8, 16, 32, ... expected peers
constexpr std::size_t kGroupSize = 128;  // minimum peers per candidate group
constexpr std::size_t kSmallList = 16;   // lists this short are ranked in full at once
constexpr std::size_t kSelectBelow = 32;  // batches this short are not sorted
constexpr std::uint64_t kFirstBatch = 4;  // the first batch holds about 4 to 8 peers
constexpr std::uint64_t kGroupSalt = 0x9e3779b97f4a7c15ULL;
constexpr std::int64_t kCapacityMax = std::int64_t{1} << 31;

std::uint64_t level_expected(int level) { return std::uint64_t{8} << level; }

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

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string fmt_ratio(std::uint32_t num, std::uint32_t den) {
  // num/den with two decimals, integer arithmetic.
  const std::uint64_t hundredths = den ? (std::uint64_t{num} * 100 + den / 2) / den : 0;
  std::string frac = std::to_string(hundredths % 100);
  if (frac.size() < 2) frac = "0" + frac;
  return std::to_string(hundredths / 100) + "." + frac;
}

}  // namespace

Placer::Placer(const View& view, const Tuning& tuning) : tuning_(tuning) {
  if (tuning_.balance_den == 0) tuning_.balance_num = 0;
  // Peers, canonical by name (names are unique in a view: they key the membership).
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
  ref_weight_ = 0;
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

  // Services, canonical by name; their total demand.
  __extension__ typedef unsigned __int128 Wide;
  std::vector<const config::ServiceSpec*> specs;
  for (const auto& s : view.services) specs.push_back(&s);
  std::sort(specs.begin(), specs.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  specs.erase(std::unique(specs.begin(), specs.end(),
                          [](const auto* a, const auto* b) { return a->name == b->name; }),
              specs.end());
  Wide demand_cpu = 0, demand_mem = 0;
  for (const auto* spec : specs) {
    Wide replicas = Wide(std::max(0, spec->replicas));
    if (spec->placement.mode == config::Placement::Mode::global) {  // one a matching peer
      replicas = 0;
      for (const auto& r : peers_) {
        bool ok = true;
        for (const auto& c : spec->placement.constraints)
          ok = ok && c.matches(r.peer->name, r.peer->zone, r.peer->labels);
        replicas += ok ? 1 : 0;
      }
    }
    demand_cpu += Wide(std::max<std::int64_t>(0, spec->resources.cpu_milli)) * replicas;
    demand_mem += Wide(std::max<std::int64_t>(0, spec->resources.memory_mib)) * replicas;
  }

  // Weights: a peer's capacity in units of the workload's mix, min(cpu, memory x rho) with
  // rho = total cpu demand / total memory demand (Q16). Then a peer's expected dominant share
  // is the same on every peer. Without demand in a dimension, the other one alone. (A change
  // of demand scales the weights of memory-bound peers a little: it moves few instances.)
  std::uint64_t rho = 0;  // Q16 millicores per MiB
  if (demand_cpu > 0 && demand_mem > 0) {
    const Wide r = (demand_cpu << 16) / demand_mem;
    rho = static_cast<std::uint64_t>(std::min<Wide>(std::max<Wide>(r, 1), Wide(1) << 47));
  }
  constexpr std::uint64_t kWeightMax = std::uint64_t{1} << 47;
  ref_weight_ = 0;
  for (PeerRt& r : peers_) {
    const Wide cpu = Wide(static_cast<std::uint64_t>(r.cpu_cap)) << 16;
    const Wide mem = Wide(static_cast<std::uint64_t>(r.mem_cap));
    Wide w;
    if (demand_cpu > 0 && demand_mem > 0) w = std::min(cpu, mem * rho);
    else if (demand_cpu > 0) w = cpu;
    else if (demand_mem > 0) w = mem << 16;
    else w = Wide(isqrt(static_cast<std::uint64_t>(r.cpu_cap) * static_cast<std::uint64_t>(r.mem_cap)));
    r.weight = static_cast<std::uint64_t>(std::clamp<Wide>(w, 1, kWeightMax));
    r.inv_weight = inverse_weight(r.weight);
    if (r.ineligible.empty()) ref_weight_ += r.weight;
  }
  ref_weight_ = std::max<std::uint64_t>(ref_weight_, 1);

  struct Eligibility {
    std::shared_ptr<PeerList> ranked;
    std::shared_ptr<const std::vector<std::uint32_t>> eligible;
    std::shared_ptr<const std::vector<std::string>> fails;
    // The ranked peers by zone (built on first use), shared by the services that spread.
    std::vector<std::pair<std::string, std::shared_ptr<PeerList>>> zones;
    std::shared_ptr<const std::vector<std::int32_t>> zone_of;
    bool any_zone = false;  // a ranked peer declares a zone
  };
  std::map<std::string, Eligibility> by_constraints;
  services_.resize(specs.size());
  for (std::size_t si = 0; si < specs.size(); ++si) {
    const config::ServiceSpec& spec = *specs[si];
    ServiceRt& s = services_[si];
    s.spec = &spec;
    const std::string sig = constraints_signature(spec.placement.constraints);
    auto it = by_constraints.find(sig);
    if (it == by_constraints.end()) {
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
      it = by_constraints.emplace(sig, std::move(e)).first;
    }
    s.ranked = it->second.ranked;
    s.eligible = it->second.eligible;
    s.constraint_fail = it->second.fails;
    for (const auto& port : spec.ports)
      if (port.host) s.ports.push_back(*port.host);
    std::sort(s.ports.begin(), s.ports.end());
    s.ports.erase(std::unique(s.ports.begin(), s.ports.end()), s.ports.end());
    if (spec.placement.max_per_peer > 0) s.per_peer.assign(peers_.size(), 0);
    if (spec.placement.mode == config::Placement::Mode::global) {
      // Instance ids from the peers' name hashes (31 bits), so a peer joining or failing adds
      // or removes its own instance and renames none; a collision (about 1 in 2^31 a pair)
      // takes the next free id, in name order.
      s.global = true;
      std::set<std::uint32_t> taken;
      for (std::uint32_t p : s.ranked->peers) {
        std::uint32_t index = static_cast<std::uint32_t>(peers_[p].hash >> 33);
        while (!taken.insert(index).second) index = (index + 1) & 0x7fffffffu;
        global_.push_back(Pinned{static_cast<std::uint32_t>(si), index, p});
      }
      continue;
    }
    if (spec.placement.home && !spec.home_peer.empty()) {
      auto pit = std::lower_bound(peers_.begin(), peers_.end(), spec.home_peer,
                                  [](const PeerRt& r, const std::string& n) { return r.peer->name < n; });
      if (pit != peers_.end() && pit->peer->name == spec.home_peer) {
        s.home = static_cast<int>(pit - peers_.begin());
        // Ranked first, eligible or not: while it is not, its instances rank it and go on.
        if (std::binary_search(s.ranked->peers.begin(), s.ranked->peers.end(),
                               static_cast<std::uint32_t>(s.home)))
          s.home_list = make_list({static_cast<std::uint32_t>(s.home)});
      }
    }
    const std::int64_t replicas = std::max(0, spec.replicas);
    using Spread = config::Placement::Spread;
    const Spread spread = spec.placement.spread;
    const std::int64_t ranked_n = static_cast<std::int64_t>(s.ranked->peers.size());
    if (spread != Spread::none && ranked_n > 0) s.spread_cap = (replicas + ranked_n - 1) / ranked_n;
    const bool by_zone = spread == Spread::zone || (spread == Spread::automatic && it->second.any_zone);
    s.soft_zones = spread == Spread::automatic;
    if (by_zone && replicas > 0) {
      // The zones of the ranked peers, eligible or not (a peer failing changes no quota in
      // phase A; phase B splits the orphans over the zones with an eligible peer).
      Eligibility& e = it->second;
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
        z.hash = zone_hash(spec.name, name);
        z.list = list;
        s.zones.push_back(std::move(z));
      }
      // Quotas: replicas split evenly; the remainder goes to the zones first by hash.
      std::vector<std::size_t> by_hash(s.zones.size());
      std::iota(by_hash.begin(), by_hash.end(), 0);
      std::sort(by_hash.begin(), by_hash.end(), [&](std::size_t a, std::size_t b) {
        return std::pair(s.zones[a].hash, s.zones[a].name) < std::pair(s.zones[b].hash, s.zones[b].name);
      });
      const std::int64_t n = static_cast<std::int64_t>(s.zones.size());
      for (std::int64_t k = 0; k < n; ++k)
        s.zones[by_hash[k]].quota = replicas / n + (k < replicas % n ? 1 : 0);
    }
    const bool home = spec.placement.home && !spec.home_peer.empty();
    for (std::int64_t i = 0; i < replicas; ++i) {
      Inst in;
      in.service = static_cast<std::uint32_t>(si);
      in.index = static_cast<std::uint32_t>(i);
      in.hash = instance_hash(spec.name, in.index);
      in.home = home;
      order_.push_back(in);
    }
  }
  std::sort(order_.begin(), order_.end(), [&](const Inst& a, const Inst& b) {
    if (a.home != b.home) return a.home;
    if (a.hash != b.hash) return a.hash < b.hash;
    const auto& na = services_[a.service].spec->name;
    const auto& nb = services_[b.service].spec->name;
    return na != nb ? na < nb : a.index < b.index;
  });

  // Balance cap (bounded loads): each eligible peer may take, in each dimension, its capacity
  // x num / den x the target share: the larger of the fair share (total demand over eligible
  // capacity, in the dimension where it is highest) and the share the weights give every peer.
  // The capacity counted is every peer of the view, dead and draining ones included, so that
  // a peer failing (it stays in the view as dead until forgotten) changes no other peer's
  // limit; only when the eligible peers hold under 3/4 of it, the eligible capacity alone.
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
  raise(demand_cpu, cap_cpu);
  raise(demand_mem, cap_mem);
  const std::uint64_t counted_weight = count_all ? std::max<std::uint64_t>(all_weight, 1) : ref_weight_;
  if (demand_cpu > 0) raise(demand_cpu << 16, counted_weight);
  else if (demand_mem > 0) raise(demand_mem << 16, counted_weight);
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

std::shared_ptr<PeerList> Placer::make_list(std::vector<std::uint32_t> members) {
  auto list = std::make_shared<PeerList>();
  list->peers = std::move(members);
  for (std::uint32_t p : list->peers) {
    list->weight += peers_[p].weight;
    list->hashes.push_back(peers_[p].hash);
  }
  if (list->peers.size() > tuning_.subset_above && tuning_.subset_above > 0) {
    int bits = 1;
    while ((list->peers.size() >> (bits + 1)) >= kGroupSize) ++bits;
    list->group_bits = bits;
    const std::size_t groups = std::size_t{1} << bits;
    list->groups.resize(groups);
    list->rests.resize(groups);
    for (std::uint32_t p : list->peers) {
      const std::size_t g = peers_[p].group_hash >> (64 - bits);
      for (std::size_t k = 0; k < groups; ++k) {
        PeerList& target = k == g ? list->groups[k] : list->rests[k];
        target.peers.push_back(p);
        target.hashes.push_back(peers_[p].hash);
        target.weight += peers_[p].weight;
      }
    }
  }
  return list;
}

const std::vector<std::uint64_t>& Placer::thresholds(const PeerList& list, int level) {
  auto& all = const_cast<PeerList&>(list).thresholds;
  if (all.empty()) all.resize(kLevels);
  auto& t = all[static_cast<std::size_t>(level)];
  if (t.empty()) {
    const Key bound = (Key(level_expected(level)) * 3 << 95) / ref_weight_;
    t.resize(list.peers.size());
    auto& known = threshold_cache_[static_cast<std::size_t>(level)];  // by inverse weight
    for (std::size_t k = 0; k < list.peers.size(); ++k) {
      const std::uint64_t inv = peers_[list.peers[k]].inv_weight;
      auto it = known.find(inv);
      if (it == known.end()) it = known.emplace(inv, min_draw_for_key(bound, inv)).first;
      t[k] = it->second;
    }
  }
  return t;
}

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

std::string Placer::room_failure(const ServiceRt& s, std::uint32_t p, bool detailed) const {
  const PeerRt& r = peers_[p];
  const auto& req = s.spec->resources;
  if (!s.per_peer.empty() && s.per_peer[p] >= s.spec->placement.max_per_peer)
    return "max_per_peer " + std::to_string(s.spec->placement.max_per_peer) + " reached";
  for (std::uint16_t port : s.ports)
    if (std::binary_search(r.ports.begin(), r.ports.end(), port))
      return (detailed ? "port conflict: host port " : "host port ") + std::to_string(port) +
             (detailed ? " already taken" : " taken");
  const std::int64_t cpu = std::max<std::int64_t>(0, req.cpu_milli);
  const std::int64_t mem = std::max<std::int64_t>(0, req.memory_mib);
  const bool no_cpu = r.cpu_used + cpu > r.cpu_cap, no_mem = r.mem_used + mem > r.mem_cap;
  if (!no_cpu && !no_mem) return {};
  std::string what = no_cpu && no_mem ? "cpu and memory" : no_cpu ? "cpu" : "memory";
  if (!detailed) return "insufficient " + what;
  std::string out = "full: " + what + " (needs";
  if (no_cpu) out += " " + std::to_string(cpu) + "m cpu, " + std::to_string(r.cpu_cap - r.cpu_used) + "m free";
  if (no_cpu && no_mem) out += ";";
  if (no_mem) out += " " + std::to_string(mem) + " MiB, " + std::to_string(r.mem_cap - r.mem_used) + " MiB free";
  return out + ")";
}

static Key level_bound(int level, std::uint64_t ref_weight) {
  return (Key(level_expected(level)) * 3 << 95) / ref_weight;
}

PeerList* Placer::segment(const Inst& in, std::uint32_t k, std::int32_t* zone) const {
  const ServiceRt& s = services_[in.service];
  if (zone) *zone = -1;
  if (in.home && s.home_list) {
    if (k == 0) return s.home_list.get();
    --k;
  }
  // A list is one segment, or two when grouped: the instance's group, then the rest.
  auto pick = [&](PeerList& list, std::uint32_t i) -> PeerList* {
    if (list.group_bits == 0) return &list;
    const std::size_t g = mix(in.hash, kGroupSalt) >> (64 - list.group_bits);
    return i == 0 ? &list.groups[g] : &list.rests[g];
  };
  auto parts = [](const PeerList& list) -> std::uint32_t { return list.group_bits ? 2 : 1; };
  if (s.zones.empty()) return k < parts(*s.ranked) ? pick(*s.ranked, k) : nullptr;
  if (s.zones.size() <= 16) {  // the common case, without allocating: zone_order() on the stack
    std::array<std::pair<std::uint64_t, std::size_t>, 16> keyed;
    const std::size_t n = s.zones.size();
    for (std::size_t z = 0; z < n; ++z) keyed[z] = {mix(in.hash, s.zones[z].hash), z};
    std::sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(n));
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t z = keyed[r].second;
      PeerList& list = *s.zones[z].list;
      if (k < parts(list)) {
        if (zone) *zone = static_cast<std::int32_t>(z);
        return pick(list, k);
      }
      k -= parts(list);
    }
    return nullptr;
  }
  for (std::size_t z : zone_order(in, s)) {
    PeerList& list = *s.zones[z].list;
    if (k < parts(list)) {
      if (zone) *zone = static_cast<std::int32_t>(z);
      return pick(list, k);
    }
    k -= parts(list);
  }
  return nullptr;
}

void Placer::batch(const Inst& in, PeerList& list, Cursor& c) {
  const std::size_t n = list.peers.size();
  c.batch.clear();
  c.pos = 0;
  if (c.level < 0) {
    c.level = kLevels;
    if (n > kSmallList) {
      c.level = 0;
      while (c.level < kLevels && Key(level_expected(c.level)) * list.weight < Key(kFirstBatch) * ref_weight_) ++c.level;
    }
  } else {
    ++c.level;
  }
  const std::uint64_t* h = list.hashes.data();
  if (c.level < kLevels) {
    const std::uint64_t* t = thresholds(list, c.level).data();
    const Key bound = level_bound(c.level, ref_weight_);
    // Pass 1, tight and branch-free: which peers' draws reach their threshold.
    if (scratch_.size() < n) scratch_.resize(n);
    std::uint32_t* hits = scratch_.data();
    const std::uint64_t ih = in.hash;
    std::size_t m = 0;
    for (std::size_t k = 0; k < n; ++k) {
      hits[m] = static_cast<std::uint32_t>(k);
      m += mix(ih, h[k]) >= t[k] ? 1 : 0;
    }
    // Pass 2: exact keys for those few.
    c.batch.reserve(m);
    for (std::size_t j = 0; j < m; ++j) {
      const std::size_t k = hits[j];
      const std::uint32_t p = list.peers[k];
      const Key key = rendezvous_key(mix(ih, h[k]), peers_[p].inv_weight);
      if (key <= bound && (!c.has_lower || key > c.lower)) c.batch.emplace_back(key, p);
    }
    c.lower = bound;
    c.has_lower = true;
  } else {
    c.batch.reserve(n);
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint32_t p = list.peers[k];
      const Key key = rendezvous_key(mix(in.hash, h[k]), peers_[p].inv_weight);
      if (!c.has_lower || key > c.lower) c.batch.emplace_back(key, p);
    }
  }
  // A short batch is not sorted: advance() picks its least key each time (most instances
  // take their first proposal).
  c.sorted = c.batch.size() > kSelectBelow;
  if (c.sorted) std::sort(c.batch.begin(), c.batch.end());
  c.seen += static_cast<std::uint32_t>(c.batch.size());
}

bool Placer::next_eligible(const Inst& in, Cursor& c, std::pair<Key, std::uint32_t>& next) {
  while (advance(in, c, next)) {
    if (!skip_ineligible_ || peers_[next.second].ineligible.empty()) return true;
    ++c.proposals;  // an ineligible peer keeps its rank
  }
  return false;
}

void Placer::skip_segment(Cursor& c) {
  c.pos = static_cast<std::uint32_t>(c.batch.size());
  c.level = kLevels;
}

bool Placer::advance(const Inst& in, Cursor& c, std::pair<Key, std::uint32_t>& next) {
  while (true) {
    if (c.pos < c.batch.size()) {
      if (!c.sorted) {
        std::size_t least = c.pos;
        for (std::size_t k = c.pos + 1; k < c.batch.size(); ++k)
          if (c.batch[k] < c.batch[least]) least = k;
        std::swap(c.batch[c.pos], c.batch[least]);
      }
      next = c.batch[c.pos++];
      return true;
    }
    std::int32_t zone = -1;
    PeerList* list = segment(in, c.segment, &zone);
    if (list == nullptr) return false;
    if (c.level < 0 && zone >= 0) {
      // A zone at its quota stays so for the rest of the phase: its peers use up their ranks
      // without a proposal each (their verdict would be the quota).
      const ServiceRt& s = services_[in.service];
      const Zone& z = s.zones[static_cast<std::size_t>(zone)];
      if (z.used >= z.quota + (s.soft_zones ? std::int64_t{c.relax} : 0)) {
        const auto need = static_cast<std::uint32_t>(z.used - z.quota + 1);
        if (s.soft_zones && (c.next_relax == 0 || need < c.next_relax)) c.next_relax = need;
        ++c.segment;
        c.proposals = 0;
        continue;
      }
    }
    if (c.level >= 0 && (c.level >= kLevels || c.seen >= list->peers.size())) {
      ++c.segment;
      c.proposals = 0;
      c.level = -1;
      c.has_lower = false;
      c.seen = 0;
      continue;
    }
    batch(in, *list, c);
  }
}

std::vector<std::uint32_t> Placer::ranking(const Inst& in) const {
  // Every peer of the view in the order this instance ranks them: by segment (the home peer;
  // its group, then the rest; zones in its order), then by key. Peers outside every segment
  // (ineligible) sit where their group or zone would put them.
  const ServiceRt& s = services_[in.service];
  const PeerList& list = *s.ranked;
  std::vector<std::size_t> zone_rank(s.zones.size());
  const auto zo = zone_order(in, s);
  for (std::size_t r = 0; r < zo.size(); ++r) zone_rank[zo[r]] = r;
  std::vector<std::tuple<std::uint64_t, Key, std::uint32_t>> rows;
  for (std::uint32_t p = 0; p < peers_.size(); ++p) {
    std::uint64_t seg = 1;
    if (in.home && static_cast<int>(p) == s.home) {
      seg = 0;
    } else if (!s.zones.empty()) {
      seg = 1 + 2 * s.zones.size();
      for (std::size_t z = 0; z < s.zones.size(); ++z) {
        if (s.zones[z].name != peers_[p].peer->zone) continue;
        const PeerList& zl = *s.zones[z].list;
        const bool outside = zl.group_bits > 0 && (peers_[p].group_hash >> (64 - zl.group_bits)) !=
                                                      (mix(in.hash, kGroupSalt) >> (64 - zl.group_bits));
        seg = 1 + 2 * zone_rank[z] + (outside ? 1 : 0);
      }
    } else if (list.group_bits > 0) {
      const bool outside = (peers_[p].group_hash >> (64 - list.group_bits)) !=
                           (mix(in.hash, kGroupSalt) >> (64 - list.group_bits));
      seg = outside ? 2 : 1;
    }
    rows.emplace_back(seg, rendezvous_key(mix(in.hash, peers_[p].hash), peers_[p].inv_weight), p);
  }
  std::sort(rows.begin(), rows.end());
  std::vector<std::uint32_t> out;
  for (const auto& row : rows) out.push_back(std::get<2>(row));
  return out;
}

std::vector<std::size_t> Placer::zone_order(const Inst& in, const ServiceRt& s) const {
  std::vector<std::pair<std::uint64_t, std::size_t>> keyed;
  for (std::size_t z = 0; z < s.zones.size(); ++z) keyed.emplace_back(mix(in.hash, s.zones[z].hash), z);
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::size_t> out;
  for (const auto& k : keyed) out.push_back(k.second);
  return out;
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

std::string Placer::unplaced_reason(const Inst& in) const {
  const ServiceRt& s = services_[in.service];
  if (s.eligible->empty()) return no_eligible_reason(s);
  if (s.zones.empty() || s.soft_zones) return no_room_reason(s, *s.eligible);
  std::vector<std::uint32_t> open;  // peers of the zones under their quota
  for (std::uint32_t p : *s.eligible)
    if (zone_open(s, p)) open.push_back(p);
  if (open.empty())
    return "zone spread: every zone holds its quota (" + std::to_string(std::max(0, s.spec->replicas)) +
           " replicas over " + plural(s.zones.size(), "zone", "zones") + ")";
  return "zone spread: " + no_room_reason(s, open) + " in the zones under their quota";
}

std::string Placer::no_room_reason(const ServiceRt& s, const std::vector<std::uint32_t>& members) const {
  std::map<std::string, std::size_t> counts;
  for (std::uint32_t p : members) counts[room_failure(s, p, false)] += 1;
  if (counts.size() == 1)
    return counts.begin()->first + " on " + (members.size() == 1 ? "the only eligible peer" :
                                            "all " + std::to_string(members.size()) + " eligible peers");
  std::string out = "no room on " + plural(members.size(), "eligible peer", "eligible peers") + ":";
  bool first = true;
  for (const auto& [what, n] : counts) {
    out += (first ? " " : ", ") + std::to_string(n) + " " + what;
    first = false;
  }
  return out;
}

std::string Placer::no_eligible_reason(const ServiceRt& s) const {
  if (peers_.empty()) return "no eligible peer: the view has no peers";
  std::map<std::string, std::size_t> base, constraint;
  for (std::uint32_t p = 0; p < peers_.size(); ++p) {
    if (!peers_[p].ineligible.empty()) base[peers_[p].ineligible] += 1;
    else constraint[(*s.constraint_fail)[p]] += 1;
  }
  std::string out = "no eligible peer:";
  bool first = true;
  for (const auto& [what, n] : constraint) {
    out += (first ? " " : ", ") + plural(n, "peer fails constraint ", "peers fail constraint ") + what;
    first = false;
  }
  for (const auto& [what, n] : base) {
    out += (first ? " " : ", ") + plural(n, "peer is ", "peers are ") + what;
    first = false;
  }
  return out;
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

void Placer::solve(int watch) {
  results_.assign(order_.size(), Result{});
  watched_.clear();
  skip_ineligible_ = false;
  place_global();
  std::vector<Cursor> cursors(order_.size());
  // Proposals by pass and rank. Pass = 2 x relax level + spill; rank = (segment, position in
  // it), so a peer joining or forgotten in one zone shifts no rank in the zones after it
  // (version 1 ranked by position in the whole ranking; segments: the home peer, each zone,
  // a candidate group and its rest). A
  // proposal made while those of (pass, rank) are taken has a higher rank or a later pass,
  // so each bucket is complete when its turn comes, and taking the buckets in turn, each
  // sorted, is the one global order.
  std::vector<std::vector<std::vector<std::vector<Proposal>>>> passes;  // [pass][segment][position]
  auto push_next = [&](std::uint32_t i) {
    Cursor& c = cursors[i];
    std::pair<Key, std::uint32_t> next;
    while (!next_eligible(order_[i], c, next)) {
      const std::uint32_t relax = c.relax, next_relax = c.next_relax;
      if (!c.spill && c.saw_cap) {  // some peer refused only for the cap: walk again over it
        c = Cursor{};
        c.spill = true;
        c.relax = relax;
        c.next_relax = next_relax;
      } else if (next_relax > relax) {  // a peer with room refused only for spread: relax it
        c = Cursor{};
        c.relax = next_relax;
      } else {
        c.done = true;
        break;
      }
    }
    if (c.done) {
      results_[i].reason = unplaced_reason(order_[i]);
      cursors[i] = Cursor{};
      return;
    }
    const std::size_t pass = std::size_t{c.relax} * 2 + (c.spill ? 1 : 0);
    if (passes.size() <= pass) passes.resize(pass + 1);
    auto& segments = passes[pass];
    if (segments.size() <= c.segment) segments.resize(c.segment + 1);
    if (segments[c.segment].size() <= c.proposals) segments[c.segment].resize(c.proposals + 1);
    segments[c.segment][c.proposals].push_back(Proposal{next.first, i, next.second});
    ++c.proposals;
  };
  auto take = [&](const Proposal& pr, bool spill, bool first) {
    const Inst& in = order_[pr.inst];
    ServiceRt& s = services_[in.service];
    Cursor& c = cursors[pr.inst];
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
    if (static_cast<int>(pr.inst) == watch) watched_.emplace_back(pr.peer, peer_verdict(in, pr.peer, c.relax));
    if (room && !spread_ok && (c.next_relax == 0 || need < c.next_relax)) c.next_relax = need;
    if (room && spread_ok) {  // refused for the balance cap alone: this peer closes (see place.hpp)
      c.saw_cap = true;
      peers_[pr.peer].closed = true;
    }
    if (!zone_open(s, pr.peer, c.relax)) skip_segment(c);  // the zone stays full: pass it over
    push_next(pr.inst);
  };
  auto run_class = [&](const std::vector<std::uint32_t>& members) {
    for (std::uint32_t i : members) push_next(i);
    for (std::size_t pass = 0; pass < passes.size(); ++pass) {
      for (std::size_t seg = 0; seg < passes[pass].size(); ++seg) {
        for (std::size_t pos = 0; pos < passes[pass][seg].size(); ++pos) {
          std::vector<Proposal> bucket = std::move(passes[pass][seg][pos]);
          std::sort(bucket.begin(), bucket.end());
          for (const Proposal& pr : bucket) take(pr, pass % 2 == 1, seg == 0 && pos == 0);
        }
      }
    }
    passes.clear();
  };
  auto by_class = [&](const std::vector<std::uint32_t>& all) {
    for (const bool home_class : {true, false}) {
      std::vector<std::uint32_t> members;
      for (std::uint32_t i : all)
        if (order_[i].home == home_class) members.push_back(i);
      run_class(members);
    }
  };
  // Phase A: every ranked peer as if it were eligible. A peer failing stays ranked until it is
  // forgotten, so this part of the result does not change when it fails.
  std::vector<std::uint32_t> all(order_.size());
  std::iota(all.begin(), all.end(), 0u);
  by_class(all);
  // Phase B: the instances phase A gave to ineligible peers (orphans) go, in the same global
  // order, to eligible peers with what phase A left: no instance placed on an eligible peer
  // moves for them, so a peer failing moves its own instances only.
  std::vector<std::uint32_t> orphans;
  for (std::uint32_t i = 0; i < order_.size(); ++i) {
    const int p = results_[i].peer;
    if (p < 0 || peers_[static_cast<std::size_t>(p)].ineligible.empty()) continue;
    results_[i] = Result{};
    orphans.push_back(i);
  }
  skip_ineligible_ = true;
  reset_zones_to_eligible();
  by_class(orphans);
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

std::string Placer::zone_verdict(const ServiceRt& s, std::uint32_t p, std::uint32_t relax) const {
  if (!s.zone_of || (*s.zone_of)[p] < 0 || zone_open(s, p, relax)) return {};
  const Zone& z = s.zones[static_cast<std::size_t>((*s.zone_of)[p])];
  if (!s.soft_zones)
    return "zone quota: zone \"" + z.name + "\" already has its " + plural(z.quota, "instance", "instances");
  return "zone spread: zone \"" + z.name + "\" holds " + plural(z.used, "instance", "instances") +
         " of the service, other zones fewer";
}

std::string Placer::peer_verdict(const Inst& in, std::uint32_t p, std::uint32_t relax) const {
  const ServiceRt& s = services_[in.service];
  const PeerRt& r = peers_[p];
  if (!r.ineligible.empty()) return "ineligible: " + r.ineligible;
  if (!(*s.constraint_fail)[p].empty()) return "ineligible: fails constraint " + (*s.constraint_fail)[p];
  if (!s.soft_zones) {
    if (std::string zone = zone_verdict(s, p, relax); !zone.empty()) return zone;
  }
  std::string room = room_failure(s, p, true);
  if (!room.empty()) return room;
  const bool at_home = in.home && static_cast<int>(p) == s.home;
  if (!at_home && spread_level(s, p) > relax) {
    if (std::string zone = zone_verdict(s, p, relax); !zone.empty()) return zone;
    auto it = s.held.find(p);
    const std::int64_t n = it == s.held.end() ? 0 : it->second;
    return "spread: it holds " + plural(n, "instance", "instances") +
           " of the service, other peers with room fewer";
  }
  if (!under_cap(s, p)) {
    const std::string cap = fmt_ratio(tuning_.balance_num, tuning_.balance_den) + "x its fair share";
    if (r.closed)
      return "balance cap: it refused an earlier instance for its cap of " + cap + ", so it takes no more";
    return "balance cap: its load would pass " + cap;
  }
  return {};
}

Explanation Placer::explain(const InstanceId& id) {
  Explanation ex;
  ex.id = id;
  for (std::size_t k = 0; k < global_.size(); ++k) {
    const Pinned& g = global_[k];
    if (services_[g.service].spec->name != id.service || g.index != id.index) continue;
    if (!peers_[g.peer].ineligible.empty()) return ex;  // not an instance of this view
    solve(-1);
    ex.exists = true;
    const Result& res = global_results_[k];
    if (res.peer >= 0) ex.owner = peers_[g.peer].peer->name;
    else ex.reason = res.reason;
    RankedPeer own;
    own.peer = peers_[g.peer].peer->name;
    own.chosen = res.peer >= 0;
    own.verdict = own.chosen ? "chosen: global, one instance on every eligible peer" : res.reason;
    ex.ranked.push_back(std::move(own));
    for (std::uint32_t p = 0; p < peers_.size(); ++p)
      if (p != g.peer) ex.ranked.push_back(RankedPeer{peers_[p].peer->name, false, "global: not this instance's peer"});
    return ex;
  }
  int watch = -1;
  for (std::size_t i = 0; i < order_.size(); ++i)
    if (services_[order_[i].service].spec->name == id.service && order_[i].index == id.index)
      watch = static_cast<int>(i);
  if (watch < 0) return ex;
  ex.exists = true;
  const Inst& in = order_[static_cast<std::size_t>(watch)];
  const ServiceRt& s = services_[in.service];
  const std::vector<std::uint32_t> ranked = ranking(in);  // before solve: keys only
  solve(watch);
  const Result& res = results_[static_cast<std::size_t>(watch)];
  std::map<std::uint32_t, std::string> refused;
  for (const auto& [p, verdict] : watched_) refused.emplace(p, verdict);
  for (std::uint32_t p : ranked) {
    RankedPeer rp;
    rp.peer = peers_[p].peer->name;
    const bool is_home = in.home && static_cast<int>(p) == s.home;
    auto it = refused.find(p);
    if (static_cast<int>(p) == res.peer) {
      rp.chosen = true;
      rp.verdict = is_home ? "chosen: home peer" : "chosen";
      if (res.spilled) rp.verdict += " (over the balance cap: no peer under it had room)";
      if (res.relax > 0) rp.verdict += " (spread relaxed: no peer with room held fewer instances of the service)";
    } else if (it != refused.end()) {
      rp.verdict = it->second;
    } else if (!peers_[p].ineligible.empty()) {
      rp.verdict = "ineligible: " + peers_[p].ineligible;
    } else if (!(*s.constraint_fail)[p].empty()) {
      rp.verdict = "ineligible: fails constraint " + (*s.constraint_fail)[p];
    } else if (std::string zone = zone_verdict(s, p, res.relax); !zone.empty() && res.peer >= 0 &&
               (*s.zone_of)[p] != (*s.zone_of)[static_cast<std::size_t>(res.peer)]) {
      rp.verdict = zone;  // a zone at its quota, passed over whole
    } else {
      rp.verdict = "ranked below the chosen peer";
    }
    if (is_home && !rp.chosen) rp.verdict = "home peer skipped: " + rp.verdict;
    ex.ranked.push_back(std::move(rp));
  }
  if (res.peer >= 0) ex.owner = peers_[static_cast<std::size_t>(res.peer)].peer->name;
  else ex.reason = res.reason;
  return ex;
}

}  // namespace shoal::placement::detail
