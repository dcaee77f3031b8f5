// An instance's walk down its rendezvous ranking: peer lists and their hash groups, levels of
// candidates by weighted key, the segments (home peer, group and rest, zones) a cursor crosses.
#include "placement/placer.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <map>
#include <numeric>
#include <set>

namespace shoal::placement::detail {
namespace {

constexpr std::size_t kGroupSize = 128;  // minimum peers per candidate group
constexpr std::size_t kSmallList = 16;   // lists this short are ranked in full at once
constexpr std::size_t kSelectBelow = 32;  // batches this short are not sorted
constexpr std::uint64_t kFirstBatch = 4;  // the first batch holds about 4 to 8 peers

// Candidate levels: 8, 16, 32, ... expected peers.
std::uint64_t level_expected(int level) { return std::uint64_t{8} << level; }

}  // namespace

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
  // The k-th segment over the zones, the r-th of n zones in this instance's order being zone_at(r).
  auto walk = [&](std::size_t n, auto zone_at) -> PeerList* {
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t z = zone_at(r);
      PeerList& list = *s.zones[z].list;
      if (k < parts(list)) {
        if (zone) *zone = static_cast<std::int32_t>(z);
        return pick(list, k);
      }
      k -= parts(list);
    }
    return nullptr;
  };
  if (s.zones.size() <= 16) {  // the common case, without allocating: zone_order() on the stack
    std::array<std::pair<std::uint64_t, std::size_t>, 16> keyed;
    const std::size_t n = s.zones.size();
    for (std::size_t z = 0; z < n; ++z) keyed[z] = {mix(in.hash, s.zones[z].hash), z};
    std::sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(n));
    return walk(n, [&](std::size_t r) { return keyed[r].second; });
  }
  const std::vector<std::size_t> order = zone_order(in, s);
  return walk(order.size(), [&](std::size_t r) { return order[r]; });
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
    if (!skip_ineligible_ || !unfit(in, next.second)) return true;
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

}  // namespace shoal::placement::detail
