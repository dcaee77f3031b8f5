// gossip::Interner: reference-counted tables of the member names, (address, metadata) pairs and encoded
// broadcast parts an Engine holds, so each is stored once and a member record is a few integers.
//
// Every Engine owns one by default. A simulator running thousands of engines in one process may
// hand the same Interner to all of them (Engine's constructor takes a shared_ptr): every peer
// then learns the same names, addresses, metadata and alive messages, and each is stored once
// for the whole process instead of once per engine. Ids are assigned in call order (a freed id is
// reused, last freed first), so a deterministic caller gets deterministic ids; nothing iterates
// the hash indexes. Not thread-safe: engines sharing one must run on one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gossip/types.hpp"

namespace shoal::gossip {

// A hash for string tables that also takes string_views (lookups without a copy).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One table: values by id, an index by value, and a reference count per id. Lookups take any
// key the hash and std::equal_to<> accept (a string table takes string_views).
template <typename T, typename Hash>
class InternTable {
 public:
  using Id = std::uint32_t;
  static constexpr Id kNone = UINT32_MAX;

  // The id of `v` with one more reference (a new id when `v` is not held yet).
  template <typename K>
  Id acquire(const K& v) {
    auto it = index_.find(v);
    if (it != index_.end()) {
      ++refs_[it->second];
      return it->second;
    }
    Id id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
      values_[id] = T(v);
      refs_[id] = 1;
    } else {
      id = static_cast<Id>(values_.size());
      values_.emplace_back(v);
      refs_.push_back(1);
    }
    index_.emplace(values_[id], id);
    return id;
  }
  // One more reference to an id already held.
  void retain(Id id) { ++refs_[id]; }
  // One reference fewer; the value is dropped with its last reference (then true).
  bool release(Id id) {
    if (--refs_[id] > 0) return false;
    index_.erase(values_[id]);
    values_[id] = T{};
    free_.push_back(id);
    return true;
  }
  // The id of `v` if held, without taking a reference.
  template <typename K>
  Id find(const K& v) const {
    auto it = index_.find(v);
    return it == index_.end() ? kNone : it->second;
  }
  // Stable: a reference stays valid until the id's last release.
  const T& operator[](Id id) const { return values_[id]; }
  // One past the largest id ever handed out (ids index side tables).
  std::size_t bound() const { return values_.size(); }
  std::size_t live() const { return index_.size(); }

 private:
  std::deque<T> values_;  // a deque: references stay valid as it grows
  std::vector<std::uint32_t> refs_;
  std::vector<Id> free_;
  std::unordered_map<T, Id, Hash, std::equal_to<>> index_;
};

// What an alive message says about a member besides its name and incarnation: stored as one
// value, since every engine hears the same pairs. `meta_bytes` is the metadata encoded
// (wire::encode_meta), kept so that pushing it out again copies bytes instead of encoding.
struct Card {
  Address addr;
  Meta meta;
  std::string meta_bytes;
};

// Cards by (address, encoded metadata). The encoding is canonical (one byte string per
// metadata value), so a received alive whose card is held is found by hashing its bytes,
// without parsing them.
class CardTable {
 public:
  using Id = std::uint32_t;
  static constexpr Id kNone = UINT32_MAX;

  // The card with this address and these metadata bytes, if held (no reference taken). Bytes
  // that encode a held card's metadata in a non-canonical way are not found.
  Id find(std::string_view host, std::uint16_t port, std::span<const std::byte> meta) const;
  // The card of (addr, meta) with one more reference.
  Id acquire(const Address& addr, const Meta& meta);
  void retain(Id id) { keys_.retain(id); }
  void release(Id id) {
    if (keys_.release(id)) cards_[id] = Card{};
  }
  const Card& operator[](Id id) const { return cards_[id]; }
  std::size_t bound() const { return keys_.bound(); }
  std::size_t live() const { return keys_.live(); }

 private:
  // port, host length, host, metadata bytes
  static void make_key(std::string& key, std::string_view host, std::uint16_t port,
                       std::string_view meta);
  InternTable<std::string, StringHash> keys_;
  std::deque<Card> cards_;     // by id, as keys_
  mutable std::string scratch_;  // find()'s key, kept to spare an allocation per lookup
};

struct Interner {
  static constexpr std::uint32_t kNone = UINT32_MAX;  // what find() returns for an unknown value
  InternTable<std::string, StringHash> names;  // member names
  CardTable cards;                             // address + metadata
  InternTable<std::string, StringHash> parts;  // encoded broadcast parts
};

}  // namespace shoal::gossip
