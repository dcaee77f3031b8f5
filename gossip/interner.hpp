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
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gossip/types.hpp"

namespace shoal::gossip {

// One table: values by id, an index by value, and a reference count per id.
template <typename T, typename Hash>
class InternTable {
 public:
  using Id = std::uint32_t;
  static constexpr Id kNone = UINT32_MAX;

  // The id of `v` with one more reference (a new id when `v` is not held yet).
  Id acquire(const T& v) {
    auto it = index_.find(v);
    if (it != index_.end()) {
      ++refs_[it->second];
      return it->second;
    }
    Id id;
    if (!free_.empty()) {
      id = free_.back();
      free_.pop_back();
      values_[id] = v;
      refs_[id] = 1;
    } else {
      id = static_cast<Id>(values_.size());
      values_.push_back(v);
      refs_.push_back(1);
    }
    index_.emplace(values_[id], id);
    return id;
  }
  // One more reference to an id already held.
  void retain(Id id) { ++refs_[id]; }
  // One reference fewer; the value is dropped with its last reference.
  void release(Id id) {
    if (--refs_[id] > 0) return;
    index_.erase(values_[id]);
    values_[id] = T{};
    free_.push_back(id);
  }
  // The id of `v` if held, without taking a reference.
  Id find(const T& v) const {
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
  std::unordered_map<T, Id, Hash> index_;
};

// What an alive message says about a member besides its name and incarnation: stored as one
// value, since every engine hears the same pairs.
struct Card {
  Address addr;
  Meta meta;
  friend bool operator==(const Card&, const Card&) = default;
};
struct CardHash {
  std::size_t operator()(const Card& c) const;
};

struct Interner {
  static constexpr std::uint32_t kNone = UINT32_MAX;  // what find() returns for an unknown value
  InternTable<std::string, std::hash<std::string>> names;  // member names
  InternTable<Card, CardHash> cards;  // address + metadata
  InternTable<std::string, std::hash<std::string>> parts;  // encoded broadcast parts
};

}  // namespace shoal::gossip
