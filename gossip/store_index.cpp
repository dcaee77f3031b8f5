// The store's key index (cells_, see Store::Cell) and the lookups that go through it.
#include "gossip/store.hpp"

#include <cstring>
#include <functional>

namespace shoal::gossip {

std::uint64_t Store::hash_of(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

bool Store::Cell::has(std::string_view key) const {
  if (key.size() != key_size) return false;
  const std::size_t head = std::min(key.size(), kKeyHead);
  if (head > 0 && std::memcmp(key_head, key.data(), head) != 0) return false;
  // A long key's tail is compared with the entry's own copy of the key.
  return key.size() == head ||
         std::memcmp(entry->key.data() + head, key.data() + head, key.size() - head) == 0;
}

void Store::Cell::note_version(const Version& v) {
  hlc = v.hlc;
  if (v.origin.size() > kOriginHead) {
    origin_size = kOriginHead + 1;
    return;
  }
  origin_size = static_cast<std::uint8_t>(v.origin.size());
  if (!v.origin.empty()) std::memcpy(origin_head, v.origin.data(), v.origin.size());
}

bool Store::Cell::surely_not_newer(std::uint64_t h, std::string_view origin) const {
  if (hlc != h) return hlc > h;
  return origin_size <= kOriginHead && std::string_view(origin_head, origin_size) >= origin;
}

void Store::prefetch_cell(std::uint64_t hash) const {
  if (!cells_.empty()) __builtin_prefetch(&cells_[hash & (cells_.size() - 1)]);
}

std::size_t Store::find_cell(std::string_view key, std::uint64_t hash) const {
  if (cells_.empty()) return kNoCell;
  const std::size_t mask = cells_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {  // a free cell always exists
    const Cell& c = cells_[i];
    if (c.entry == nullptr) return kNoCell;
    if (c.hash == hash && c.has(key)) return i;
  }
}

Store::Slot& Store::add_cell(std::string_view key, std::uint64_t hash, Entry* entry) {
  if ((cells_used_ + 1) * 2 > cells_.size()) {  // grow: keep the load at most 1/2
    std::vector<Cell> old = std::move(cells_);
    cells_.clear();
    cells_.resize(std::max<std::size_t>(16, old.size() * 2));
    const std::size_t mask = cells_.size() - 1;
    for (Cell& c : old) {
      if (c.entry == nullptr) continue;
      std::size_t i = c.hash & mask;
      while (cells_[i].entry != nullptr) i = (i + 1) & mask;
      cells_[i] = std::move(c);
    }
  }
  const std::size_t mask = cells_.size() - 1;
  std::size_t i = hash & mask;
  while (cells_[i].entry != nullptr) i = (i + 1) & mask;
  Cell& c = cells_[i];
  c.hash = hash;
  c.note_version(entry->version);
  c.entry = entry;
  c.key_size = static_cast<std::uint32_t>(key.size());
  if (!key.empty()) std::memcpy(c.key_head, key.data(), std::min(key.size(), kKeyHead));
  c.slot = std::make_unique<Slot>();
  c.slot->entry = entry;
  ++cells_used_;
  return *c.slot;
}

void Store::erase_cell(std::string_view key) {
  std::size_t hole = find_cell(key, hash_of(key));
  if (hole == kNoCell) return;
  cells_[hole] = Cell{};
  --cells_used_;
  // Backward-shift deletion: pull later cells of the probe run into the hole when their home
  // position allows it, so lookups need no tombstones.
  const std::size_t mask = cells_.size() - 1;
  for (std::size_t j = (hole + 1) & mask; cells_[j].entry != nullptr; j = (j + 1) & mask) {
    const std::size_t home = cells_[j].hash & mask;
    // Can the cell at j move to the hole? Only if its home is not cyclically in (hole, j].
    const bool home_in_between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (home_in_between) continue;
    cells_[hole] = std::move(cells_[j]);
    cells_[j] = Cell{};
    hole = j;
  }
}

const Entry* Store::find(std::string_view key) const {
  return lookup(key);
}

Entry* Store::lookup(std::string_view key) {
  const std::size_t cell = find_cell(key, hash_of(key));
  return cell == kNoCell ? nullptr : cells_[cell].entry;
}

const Entry* Store::lookup(std::string_view key) const {
  const std::size_t cell = find_cell(key, hash_of(key));
  return cell == kNoCell ? nullptr : cells_[cell].entry;
}

void Store::rebuild_index() {
  cells_.clear();
  cells_used_ = 0;
  for (auto& [key, e] : entries_) add_cell(key, hash_of(key), &e);
}

const Bytes* Store::get(std::string_view key) const {
  const Entry* e = find(key);
  return e == nullptr || e->deleted ? nullptr : &e->value;
}

std::optional<Version> Store::version_of(std::string_view key) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return e->version;
}

std::uint64_t Store::held_hlc(std::string_view key) const {
  const std::size_t cell = find_cell(key, hash_of(key));
  return cell == kNoCell ? 0 : cells_[cell].hlc;
}

std::vector<std::pair<std::string, Version>> Store::versions_with_prefix(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, Version>> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (!it->second.deleted) out.emplace_back(it->first, it->second.version);
  }
  return out;
}

}  // namespace shoal::gossip
