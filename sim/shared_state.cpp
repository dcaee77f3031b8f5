#include "sim/shared_state.hpp"

#include <algorithm>
#include <string_view>

#include "node/state_codec.hpp"

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

std::uint64_t SharedState::status_entry_hash(const gossip::Entry* e) {
  if (!e || e->deleted) return 0;
  return mix(mix(mix(0x57a7, e->key), e->version.hlc), e->version.origin) | 1;
}

std::uint64_t SharedState::status_hash(const gossip::Store& store) {
  std::uint64_t h = 0;
  for_prefix(store, kStatus, [&](const gossip::Entry& e) { h ^= status_entry_hash(&e); });
  return h;
}
std::uint64_t SharedState::spec_hash(const gossip::Store& store) { return prefix_hash(store, kSpec); }

void SharedState::remember_status(const std::string& key, const gossip::Version& version,
                                  placement::PeerStatus status) {
  status_values_[{key, version}] = std::make_shared<const placement::PeerStatus>(std::move(status));
}

std::shared_ptr<const SharedState::StatusMap> SharedState::statuses(const gossip::Store& store,
                                                                    std::uint64_t hash) {
  if (auto it = status_maps_.find(hash); it != status_maps_.end()) {
    if (auto m = it->second.lock()) {
      ++maps_shared_;
      return m;
    }
  }
  // Old versions pile up; past a bound the cache starts over (decoding again costs time only).
  if (status_values_.size() > 65536) status_values_.clear();
  auto map = std::make_shared<StatusMap>();
  for_prefix(store, kStatus, [&](const gossip::Entry& e) {
    ValueKey k{e.key, e.version};
    auto it = status_values_.find(k);
    if (it == status_values_.end()) {
      auto st = node::decode_status(as_text(e.value));
      ++decoded_;
      if (!st) return;  // undecodable: as node/ does, the peer is treated as reporting nothing
      it = status_values_.emplace(std::move(k), std::make_shared<const placement::PeerStatus>(std::move(*st))).first;
    }
    map->emplace_hint(map->end(), e.key.substr(kStatus.size()), *it->second);
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

SharedState::StatusMap SharedState::relevant(const gossip::Store& store,
                                             const std::set<placement::InstanceId>& ids,
                                             const std::set<std::string>& services) {
  StatusMap out;
  if (ids.empty() && services.empty()) return out;
  if (status_values_.size() > 65536) status_values_.clear();
  for_prefix(store, kStatus, [&](const gossip::Entry& e) {
    ValueKey k{e.key, e.version};
    auto it = status_values_.find(k);
    if (it == status_values_.end()) {
      auto st = node::decode_status(as_text(e.value));
      ++decoded_;
      if (!st) return;
      it = status_values_.emplace(std::move(k), std::make_shared<const placement::PeerStatus>(std::move(*st))).first;
    }
    placement::PeerStatus* mine = nullptr;
    for (const auto& is : it->second->instances) {  // sorted by id, so the copy is too
      if (!ids.count(is.id) && !services.count(is.id.service)) continue;
      if (!mine) mine = &out.emplace_hint(out.end(), e.key.substr(kStatus.size()), placement::PeerStatus{})->second;
      mine->instances.push_back(is);
    }
  });
  return out;
}

std::shared_ptr<const SharedState::Specs> SharedState::specs(const gossip::Store& store,
                                                             std::uint64_t hash) {
  if (auto it = spec_sets_.find(hash); it != spec_sets_.end()) return it->second;
  auto specs = std::make_shared<Specs>();
  for_prefix(store, kSpec, [&](const gossip::Entry& e) {
    ++decoded_;
    if (auto sp = node::decode_spec(as_text(e.value))) specs->push_back(std::move(*sp));
  });
  std::sort(specs->begin(), specs->end(),
            [](const config::ServiceSpec& a, const config::ServiceSpec& b) { return a.name < b.name; });
  if (spec_sets_.size() > 1024) spec_sets_.clear();
  std::shared_ptr<const Specs> out = std::move(specs);
  spec_sets_.emplace(hash, out);
  return out;
}

}  // namespace shoal::sim
