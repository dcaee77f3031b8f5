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

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gossip/digest.hpp"
#include "gossip/types.hpp"

namespace shoal::gossip {

// A hash for string tables that also takes string_views (lookups without a copy).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// One table: values by id, an index by value, and a reference count per id. Lookups take any
// key the hash accepts and that compares equal with == (a string table takes string_views).
// The index is open addressing with linear probing over (hash, id) pairs of 8 bytes: a lookup
// reads one or two cache lines of the index, then the one value whose hash matches.
template <typename T, typename Hash>
class InternTable {
 public:
  using Id = std::uint32_t;
  static constexpr Id kNone = UINT32_MAX;

  // The id of `v` with one more reference (a new id when `v` is not held yet).
  template <typename K>
  Id acquire(const K& v) {
    const std::uint32_t h = hash_of(v);
    std::size_t pos = 0;
    const Id known = lookup(v, h, pos);
    if (known != kNone) {
      ++refs_[known];
      return known;
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
      gens_.push_back(0);
    }
    ++live_;
    if (2 * live_ > index_.size()) {
      grow();
      lookup(v, h, pos);  // the empty entry to fill, in the new index
    }
    index_[pos] = Entry{h, id};
    return id;
  }
  // One more reference to an id already held.
  void retain(Id id) { ++refs_[id]; }
  // One reference fewer; the value is dropped with its last reference (then true).
  bool release(Id id) {
    if (--refs_[id] > 0) return false;
    erase_index(id);
    values_[id] = T{};
    ++gens_[id];
    free_.push_back(id);
    --live_;
    return true;
  }
  // The id of `v` if held, without taking a reference.
  template <typename K>
  Id find(const K& v) const {
    std::size_t pos;
    return lookup(v, hash_of(v), pos);
  }
  // Stable: a reference stays valid until the id's last release.
  const T& operator[](Id id) const { return values_[id]; }
  // How many times the id was freed: (id, generation) names one value for good.
  std::uint32_t generation(Id id) const { return gens_[id]; }
  // One past the largest id ever handed out (ids index side tables).
  std::size_t bound() const { return values_.size(); }
  std::size_t live() const { return live_; }

 private:
  struct Entry {
    std::uint32_t hash = 0;
    Id id = kNone;  // kNone: empty
  };
  template <typename K>
  static std::uint32_t hash_of(const K& v) {
    const std::uint64_t h = Hash{}(v);
    return static_cast<std::uint32_t>(h ^ (h >> 32));
  }
  // The id of `v`, or kNone with `pos` at the empty entry where it would go.
  template <typename K>
  Id lookup(const K& v, std::uint32_t h, std::size_t& pos) const {
    if (index_.empty()) return kNone;
    const std::size_t mask = index_.size() - 1;
    for (pos = h & mask;; pos = (pos + 1) & mask) {
      const Entry& e = index_[pos];
      if (e.id == kNone) return kNone;
      if (e.hash == h && values_[e.id] == v) return e.id;
    }
  }
  void grow() {
    std::vector<Entry> old(std::max<std::size_t>(16, index_.size() * 2));
    old.swap(index_);
    const std::size_t mask = index_.size() - 1;
    for (const Entry& e : old) {
      if (e.id == kNone) continue;
      std::size_t pos = e.hash & mask;
      while (index_[pos].id != kNone) pos = (pos + 1) & mask;
      index_[pos] = e;
    }
  }
  // Removes id's entry, shifting later entries of its probe run back (no tombstones).
  void erase_index(Id id) {
    const std::size_t mask = index_.size() - 1;
    std::size_t i = hash_of(values_[id]) & mask;
    while (index_[i].id != id) i = (i + 1) & mask;
    for (std::size_t j = i;;) {
      j = (j + 1) & mask;
      if (index_[j].id == kNone) break;
      const std::size_t k = index_[j].hash & mask;  // where entry j would like to be
      // Entry j stays when its home lies cyclically in (i, j].
      if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
      index_[i] = index_[j];
      i = j;
    }
    index_[i] = Entry{};
  }

  std::deque<T> values_;  // a deque: references stay valid as it grows
  std::vector<std::uint32_t> refs_;
  std::vector<std::uint32_t> gens_;
  std::vector<Id> free_;
  std::vector<Entry> index_;  // size a power of two, at most half full
  std::size_t live_ = 0;
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
  // digest64 of the card's encoded metadata (its part of a view hash), kept compact by id.
  std::uint64_t meta_digest(Id id) const { return digests_[id]; }
  std::uint32_t generation(Id id) const { return keys_.generation(id); }
  // Whether card `id` has this address: reads a compact array of addresses rather than the
  // card (an alive about a member we hold is checked against its card's address).
  bool has_addr(Id id, std::string_view host, std::uint16_t port) const {
    const Short& s = short_[id];
    if (s.len == kLong) return cards_[id].addr.host == host && cards_[id].addr.port == port;
    return s.port == port && s.len == host.size() &&
           std::char_traits<char>::compare(s.host, host.data(), s.len) == 0;
  }
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
  // An address short enough to be held in 24 bytes (host up to 21 bytes), by card id.
  static constexpr std::uint8_t kLong = 0xff;
  struct Short {
    std::uint16_t port = 0;
    std::uint8_t len = kLong;  // kLong: the host is longer, compare the card's
    char host[21] = {};
  };
  InternTable<std::string, StringHash> keys_;
  std::deque<Card> cards_;     // by id, as keys_
  std::vector<Short> short_;   // by id, as keys_
  std::vector<std::uint64_t> digests_;  // by id
  mutable std::string scratch_;  // find()'s key, kept to spare an allocation per lookup
};

// Encoded alive parts by what they are made of: a name, a card and an incarnation (each id
// with its generation, so the key names the same bytes for as long as the part lives). Every
// engine queues the same alive about a member; the second and later find it here without
// encoding, hashing or comparing its bytes.
class AliveParts {
 public:
  struct Key {
    std::uint32_t name = 0, name_gen = 0, card = 0, card_gen = 0;
    std::uint64_t incarnation = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::uint32_t find(const Key& k) const;
  // Records that `part` is k's encoding (replacing what was recorded for `part`).
  void insert(const Key& k, std::uint32_t part);
  // Forgets `part` (when it is dropped).
  void erase(std::uint32_t part);
  std::size_t size() const { return live_; }

 private:
  struct Entry {
    Key key;
    std::uint32_t part = kNone;  // kNone: empty
  };
  static std::uint32_t hash(const Key& k);
  std::size_t slot_of(const Key& k) const;  // its entry, or the empty one where it would go
  void grow();
  std::vector<Entry> index_;  // a power of two, at most half full
  std::vector<Key> key_of_;   // by part id
  std::vector<std::uint8_t> has_key_;
  std::size_t live_ = 0;
};

struct Interner {
  static constexpr std::uint32_t kNone = UINT32_MAX;  // what find() returns for an unknown value
  InternTable<std::string, StringHash> names;  // member names
  CardTable cards;                             // address + metadata
  InternTable<std::string, StringHash> parts;  // encoded broadcast parts
  // parts[id].size() by id, kept by BroadcastQueue: a take reads a compact array while it
  // looks for parts that fit instead of each part's string.
  std::vector<std::uint32_t> part_sizes;
  AliveParts alive_parts;  // which parts are which alive messages
  // digest64 of a held name (its part of a view hash), computed once per name.
  std::uint64_t name_digest(std::uint32_t id) {
    if (id >= name_digests_.size()) name_digests_.resize(names.bound());
    auto& [gen, digest] = name_digests_[id];
    if (gen != names.generation(id) + 1) {
      gen = names.generation(id) + 1;
      digest = digest64(names[id], 0x6e616d65);
    }
    return digest;
  }
  // One reference fewer to a part; its alive_parts entry goes with the part.
  void release_part(std::uint32_t id) {
    if (parts.release(id)) alive_parts.erase(id);
  }

 private:
  std::vector<std::pair<std::uint32_t, std::uint64_t>> name_digests_;  // (generation + 1, digest)
};

}  // namespace shoal::gossip
