#include "gossip/interner.hpp"

#include "gossip/wire.hpp"

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
  if (id >= cards_.size()) cards_.resize(id + 1);
  cards_[id] = Card{addr, meta, std::string(bytes)};
  return id;
}

}  // namespace shoal::gossip
