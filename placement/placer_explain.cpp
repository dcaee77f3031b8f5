// Why an instance went where it did, or nowhere: the reasons and per-peer verdicts explain()
// reports.
#include "placement/placer.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <numeric>
#include <set>

namespace shoal::placement::detail {
namespace {

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
    } else if (!avoid_.empty() && avoids(in, p)) {
      rp.verdict = "skipped: the instance failed here (reschedule)";
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
