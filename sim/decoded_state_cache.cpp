#include "sim/decoded_state_cache.hpp"

#include <algorithm>
#include <string_view>

#include "node/peer/auto_revert.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/state_codec.hpp"

namespace shoal::sim {

namespace {

constexpr std::string_view kStatus = "status/";
constexpr std::string_view kSpec = "spec/";

std::uint64_t mix(std::uint64_t h, std::uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 29);
}
std::uint64_t mix(std::uint64_t h, std::string_view s) {
  std::uint64_t f = 1469598103934665603ULL;
  for (unsigned char c : s) f = (f ^ c) * 1099511628211ULL;
  return mix(h, f ^ s.size());
}

// Calls f(entry) for every live entry whose key starts with `prefix`, in key order.
template <typename F>
void for_prefix(const gossip::Store& store, std::string_view prefix, F&& f) {
  const auto& entries = store.entries();
  for (auto it = entries.lower_bound(prefix); it != entries.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    if (!it->second.deleted) f(it->second);
  }
}

std::uint64_t prefix_hash(const gossip::Store& store, std::string_view prefix) {
  std::uint64_t h = 0x5ea7e;
  std::uint64_t n = 0;
  for_prefix(store, prefix, [&](const gossip::Entry& e) {
    h = mix(h, e.key);
    h = mix(h, e.version.hlc);
    h = mix(h, e.version.origin);
    ++n;
  });
  return mix(h, n);
}

std::string_view as_text(const gossip::Bytes& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

std::uint64_t DecodedStateCache::status_entry_hash(const gossip::Entry* e) {
  if (!e || e->deleted) return 0;
  return mix(mix(mix(0x57a7, e->key), e->version.hlc), e->version.origin) | 1;
}

std::uint64_t DecodedStateCache::status_hash(const gossip::Store& store) {
  std::uint64_t h = 0;
  for_prefix(store, kStatus, [&](const gossip::Entry& e) { h ^= status_entry_hash(&e); });
  return h;
}
// deploy/ keys too: a latched verdict changes the specs a peer runs (node/peer/auto_revert.hpp).
std::uint64_t DecodedStateCache::spec_hash(const gossip::Store& store) {
  return mix(prefix_hash(store, kSpec), prefix_hash(store, node::kDeployPrefix));
}

std::size_t DecodedStateCache::ValueKeyHash::operator()(const ValueKey& k) const {
  return static_cast<std::size_t>(mix(mix(mix(0x7a1, k.first), k.second.hlc), k.second.origin));
}

std::uint32_t DecodedStateCache::number(const placement::InstanceId& id) {
  auto [it, added] = numbers_.try_emplace(id, static_cast<std::uint32_t>(numbers_.size()));
  if (added) {
    numbers_of_service_[id.service].push_back(it->second);
    wanted_.push_back(0);
  }
  return it->second;
}

std::shared_ptr<const DecodedStateCache::StatusValue> DecodedStateCache::decode_value(const gossip::Entry& e) {
  ValueKey k{e.key, e.version};
  auto it = status_values_.find(k);
  if (it != status_values_.end()) return it->second;
  // Old versions pile up; past a bound the cache starts over (decoding again costs time only).
  if (status_values_.size() > 65536) status_values_.clear();
  auto st = node::decode_status(as_text(e.value));
  ++decoded_;
  std::shared_ptr<const StatusValue> v = st ? make_value(std::move(*st)) : nullptr;
  status_values_.emplace(std::move(k), v);
  return v;
}

std::shared_ptr<const DecodedStateCache::StatusValue> DecodedStateCache::make_value(
    placement::PeerStatus status) {
  auto v = std::make_shared<StatusValue>();
  v->status = std::move(status);
  for (const auto& is : v->status.instances) v->nums.push_back(number(is.id));
  for (const std::uint32_t n : v->nums) v->mask |= std::uint64_t{1} << (n % 64);
  return v;
}

std::shared_ptr<const DecodedStateCache::StatusValue> DecodedStateCache::status_value(const gossip::Entry* e) {
  if (!e || e->deleted) return nullptr;
  return decode_value(*e);
}

void DecodedStateCache::remember_status(const std::string& key, const gossip::Version& version,
                                  placement::PeerStatus status) {
  if (status_values_.size() > 65536) status_values_.clear();
  status_values_[{key, version}] = make_value(std::move(status));
}

bool DecodedStateCache::mark(const std::set<placement::InstanceId>& ids,
                       const std::set<std::string>& services) {
  for (const auto& id : ids) {
    auto it = numbers_.find(id);  // an instance no status ever mentioned matches nothing
    if (it != numbers_.end()) marked_.push_back(it->second);
  }
  for (const auto& s : services) {
    auto it = numbers_of_service_.find(s);
    if (it != numbers_of_service_.end())
      marked_.insert(marked_.end(), it->second.begin(), it->second.end());
  }
  for (auto n : marked_) {
    wanted_[n] = 1;
    wanted_mask_ |= std::uint64_t{1} << (n % 64);
  }
  return !marked_.empty();
}

void DecodedStateCache::unmark() {
  for (auto n : marked_) wanted_[n] = 0;
  marked_.clear();
  wanted_mask_ = 0;
}

std::shared_ptr<const DecodedStateCache::StatusMap> DecodedStateCache::statuses(const gossip::Store& store,
                                                                    std::uint64_t hash) {
  if (auto it = status_maps_.find(hash); it != status_maps_.end()) {
    if (auto m = it->second.lock()) {
      ++maps_shared_;
      return m;
    }
  }
  auto map = std::make_shared<StatusMap>();
  for_prefix(store, kStatus, [&](const gossip::Entry& e) {
    auto v = decode_value(e);
    if (!v) return;  // undecodable: as node/ does, the peer is treated as reporting nothing
    map->emplace_hint(map->end(), e.key.substr(kStatus.size()), v->status);
  });
  ++maps_built_;
  if (status_maps_.size() > 4096) {
    for (auto it = status_maps_.begin(); it != status_maps_.end();)
      it = it->second.expired() ? status_maps_.erase(it) : std::next(it);
  }
  std::shared_ptr<const StatusMap> out = std::move(map);
  status_maps_[hash] = out;
  return out;
}

DecodedStateCache::StatusMap DecodedStateCache::relevant(const gossip::Store& store,
                                             const std::set<placement::InstanceId>& ids,
                                             const std::set<std::string>& services) {
  StatusMap out;
  if (ids.empty() && services.empty()) return out;
  for_prefix(store, kStatus, [&](const gossip::Entry& e) {
    auto v = decode_value(e);
    if (!v) return;
    placement::PeerStatus* mine = nullptr;
    for (const auto& is : v->status.instances) {  // sorted by id, so the copy is too
      if (!ids.count(is.id) && !services.count(is.id.service)) continue;
      if (!mine) mine = &out.emplace_hint(out.end(), e.key.substr(kStatus.size()), placement::PeerStatus{})->second;
      mine->instances.push_back(is);
    }
  });
  return out;
}

std::shared_ptr<const DecodedStateCache::Specs> DecodedStateCache::specs(const gossip::Store& store,
                                                             std::uint64_t hash) {
  if (auto it = spec_sets_.find(hash); it != spec_sets_.end()) return it->second;
  auto specs = std::make_shared<Specs>();
  for_prefix(store, kSpec, [&](const gossip::Entry& e) {
    ++decoded_;
    // As a peer does: a spec that fails the gate (name, limits) is never placed.
    if (auto g = node::gate_spec(e.key, as_text(e.value)); g.spec) specs->push_back(std::move(*g.spec));
  });
  std::sort(specs->begin(), specs->end(),
            [](const config::ServiceSpec& a, const config::ServiceSpec& b) { return a.name < b.name; });
  // As a peer does: a reverted service runs its last good version.
  node::Reverts reverts;
  *specs = node::running_specs(std::move(*specs), store, &reverts);
  if (spec_sets_.size() > 1024) {
    spec_sets_.clear();
    reverts_.clear();
  }
  reverts_[hash] = std::move(reverts);
  std::shared_ptr<const Specs> out = std::move(specs);
  spec_sets_.emplace(hash, out);
  return out;
}

const node::Reverts& DecodedStateCache::reverts(std::uint64_t hash) const {
  static const node::Reverts none;
  auto it = reverts_.find(hash);
  return it == reverts_.end() ? none : it->second;
}

}  // namespace shoal::sim
