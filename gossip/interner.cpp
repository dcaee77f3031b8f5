#include "gossip/interner.hpp"

#include "gossip/wire.hpp"

#include <algorithm>

namespace shoal::gossip {

void CardTable::make_key(std::string& key, std::string_view host, std::uint16_t port,
                         std::string_view meta) {
  const auto n = static_cast<std::uint32_t>(host.size());
  key.clear();
  key.reserve(6 + host.size() + meta.size());
  key.push_back(static_cast<char>(port & 0xff));
  key.push_back(static_cast<char>(port >> 8));
  for (int i = 0; i < 4; ++i) key.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  key.append(host);
  key.append(meta);
}

CardTable::Id CardTable::find(std::string_view host, std::uint16_t port,
                              std::span<const std::byte> meta) const {
  make_key(scratch_, host, port,
           std::string_view(reinterpret_cast<const char*>(meta.data()), meta.size()));
  return keys_.find(std::string_view(scratch_));
}

CardTable::Id CardTable::acquire(const Address& addr, const Meta& meta) {
  const Bytes encoded = wire::encode_meta(meta);
  const std::string_view bytes(reinterpret_cast<const char*>(encoded.data()), encoded.size());
  make_key(scratch_, addr.host, addr.port, bytes);
  const Id known = keys_.find(std::string_view(scratch_));
  if (known != kNone) {
    keys_.retain(known);
    return known;
  }
  const Id id = keys_.acquire(std::string_view(scratch_));
  if (id >= cards_.size()) {
    cards_.resize(id + 1);
    short_.resize(id + 1);
  }
  cards_[id] = Card{addr, meta, std::string(bytes)};
  if (id >= digests_.size()) digests_.resize(id + 1);
  digests_[id] = digest64(bytes, 0x6d657461);
  Short s;
  s.port = addr.port;
  if (addr.host.size() <= sizeof s.host) {
    s.len = static_cast<std::uint8_t>(addr.host.size());
    std::char_traits<char>::copy(s.host, addr.host.data(), addr.host.size());
  }
  short_[id] = s;
  return id;
}

std::uint32_t AliveParts::hash(const Key& k) {
  std::uint64_t h = k.incarnation * 0x9e3779b97f4a7c15ull;
  h ^= (static_cast<std::uint64_t>(k.name) << 32 | k.card) * 0xc2b2ae3d27d4eb4full;
  h ^= (static_cast<std::uint64_t>(k.name_gen) << 32 | k.card_gen) * 0x165667b19e3779f9ull;
  h ^= h >> 29;
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

std::size_t AliveParts::slot_of(const Key& k) const {
  const std::size_t mask = index_.size() - 1;
  std::size_t pos = hash(k) & mask;
  while (index_[pos].part != kNone && !(index_[pos].key == k)) pos = (pos + 1) & mask;
  return pos;
}

std::uint32_t AliveParts::find(const Key& k) const {
  if (index_.empty()) return kNone;
  return index_[slot_of(k)].part;
}

void AliveParts::grow() {
  std::vector<Entry> old(std::max<std::size_t>(16, index_.size() * 2));
  old.swap(index_);
  for (const Entry& e : old)
    if (e.part != kNone) index_[slot_of(e.key)] = e;
}

void AliveParts::insert(const Key& k, std::uint32_t part) {
  erase(part);
  if (2 * (live_ + 1) > index_.size()) grow();
  const std::size_t pos = slot_of(k);
  if (index_[pos].part != kNone) has_key_[index_[pos].part] = 0;  // k named another part
  else ++live_;
  index_[pos] = Entry{k, part};
  if (part >= key_of_.size()) {
    key_of_.resize(part + 1);
    has_key_.resize(part + 1, 0);
  }
  key_of_[part] = k;
  has_key_[part] = 1;
}

void AliveParts::erase(std::uint32_t part) {
  if (part >= has_key_.size() || !has_key_[part]) return;
  has_key_[part] = 0;
  const std::size_t mask = index_.size() - 1;
  std::size_t i = slot_of(key_of_[part]);
  if (index_[i].part != part) return;
  --live_;
  for (std::size_t j = i;;) {  // backward-shift deletion
    j = (j + 1) & mask;
    if (index_[j].part == kNone) break;
    const std::size_t home = hash(index_[j].key) & mask;
    if (i <= j ? (i < home && home <= j) : (i < home || home <= j)) continue;
    index_[i] = index_[j];
    i = j;
  }
  index_[i] = Entry{};
}

}  // namespace shoal::gossip
