// The keys and versions of collected tombstones, remembered for one more tombstone_ttl after
// their collection: the store's tombstone horizon. A tombstone leaves digests and deltas once
// it is past tombstone_ttl (push-pull stays small), but a live version older than it, held by a
// peer that was cut off all that time or replayed from an old delta, must not resurrect the key:
// the store refuses it against the grave and answers the holder with the tombstone again.
//
// Bounded: a grave costs its key and origin plus kGraveOverhead bytes; past the byte budget the
// oldest graves (lowest hlc) are forgotten first and counted. Pure; ordered containers only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "gossip/version.hpp"

namespace shoal::gossip {

class Graveyard {
 public:
  // What one grave is counted as beyond its key and origin (two tree nodes and a Version).
  static constexpr std::size_t kGraveOverhead = 128;

  explicit Graveyard(std::size_t max_bytes = 16u << 20) : max_bytes_(max_bytes) {}

  // Remembers that `key` was deleted at `version` (the higher version if already buried).
  // Over the byte budget, forgets the oldest graves (perhaps this one).
  void bury(std::string_view key, const Version& version);
  const Version* find(std::string_view key) const;
  void forget(std::string_view key);
  // Forgets every grave whose hlc is below `hlc`; returns how many.
  std::size_t forget_below(std::uint64_t hlc);

  // Ordered by key.
  const std::map<std::string, Version, std::less<>>& graves() const { return by_key_; }
  std::size_t size() const { return by_key_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::uint64_t dropped() const { return dropped_; }  // forgotten over the byte budget
  std::uint64_t oldest_hlc() const;                   // UINT64_MAX when empty

 private:
  static std::size_t cost(std::string_view key, const Version& v) {
    return key.size() + v.origin.size() + kGraveOverhead;
  }
  void erase(std::map<std::string, Version, std::less<>>::iterator it);

  std::map<std::string, Version, std::less<>> by_key_;
  // (hlc, key) of every grave; the key views by_key_'s node (map nodes never move).
  std::set<std::pair<std::uint64_t, std::string_view>> by_age_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace shoal::gossip
