// The retransmit queue for piggybacked updates (memberlist's TransmitLimitedQueue): each update
// is keyed by the member it is about (a small integer the engine assigns), a newer one replaces
// an older one with the same key, and each is handed out `limit` times, fewest-sent first and,
// among equals, the one that reached that count last first (newest first for fresh updates).
//
// Compact and O(1) amortised per part: one bucket per transmit count, each a stack of
// (key, sequence) pairs; the authoritative record per key holds the interned part and the
// sequence of its one live stack entry, so replaced or moved entries are skipped lazily and
// compacted away when they pass a quarter of the live ones. Parts live in an Interner (shared between
// engines when the caller shares one). Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "gossip/interner.hpp"
#include "gossip/types.hpp"
#include "gossip/wire.hpp"

namespace shoal::gossip {

class BroadcastQueue {
 public:
  explicit BroadcastQueue(Interner* interner) : interner_(interner) {}
  ~BroadcastQueue() { clear(); }
  BroadcastQueue(const BroadcastQueue&) = delete;
  BroadcastQueue& operator=(const BroadcastQueue&) = delete;

  // Queues an encoded message part (wire::encode_part) about `key`, replacing what was queued
  // about it. Parts are interned: one already held (another engine's) costs a hash, no copy.
  // Returns the part's interned id.
  std::uint32_t push(std::uint32_t key, ByteView part);
  // The same with a part already interned (taking over the caller's reference to it).
  void push_interned(std::uint32_t key, std::uint32_t part);
  // Room for keys below n without growing.
  void reserve(std::size_t n) { records_.reserve(n); }
  // Drops whatever is queued about `key`.
  void remove(std::uint32_t key);
  // Parts whose compound framing fits in `budget` bytes; each taken part counts a transmit and
  // leaves the queue after `limit` transmits.
  std::vector<Bytes> take(std::size_t budget, int limit, std::size_t max_parts);
  // The same, adding the parts to `out` (no copy of its own). Returns the parts taken and the
  // bytes of compound framing they cost.
  std::pair<std::size_t, std::size_t> take_into(std::size_t budget, int limit,
                                                std::size_t max_parts, wire::PacketBuilder& out);
  std::size_t size() const { return live_; }
  void clear();
  // Bytes this queue holds itself (parts are in the interner), for memory accounting.
  std::size_t footprint() const;

 private:
  static constexpr std::uint32_t kNoPart = UINT32_MAX;
  struct Record {
    std::uint32_t part = kNoPart;  // interned part id
    std::uint32_t seq = 0;         // of its one live stack entry
  };
  struct Ref {
    std::uint32_t key;
    std::uint32_t seq;
  };
  bool is_live(const Ref& r) const {
    return r.key < records_.size() && records_[r.key].part != kNoPart && records_[r.key].seq == r.seq;
  }
  std::uint32_t next_seq();
  template <typename Sink>
  std::pair<std::size_t, std::size_t> take_each(std::size_t budget, int limit,
                                                std::size_t max_parts, Sink&& sink);
  // Compaction once stale entries pass a quarter of the live ones: amortised O(1) per entry.
  bool too_many_stale() const { return refs_ > live_ + live_ / 4 + 64; }
  void compact();

  Interner* interner_;
  std::vector<Record> records_;              // by key
  std::vector<std::vector<Ref>> buckets_;    // by transmit count; top of each stack = next
  std::size_t live_ = 0;
  std::size_t refs_ = 0;                     // stack entries, live and stale
  std::uint32_t seq_ = 0;
  std::vector<std::pair<std::uint32_t, std::size_t>> taken_;  // take_each's scratch
};

}  // namespace shoal::gossip
