// The store's delta queue: what changed, in send order (see Store::Bucket), taken into
// deltas under a byte budget; and the oversized entries that only push-pull carries.
#include "gossip/store.hpp"

#include <algorithm>

#include "gossip/store_codec.hpp"

namespace shoal::gossip {

using namespace store_codec;

void Store::requeue(Slot& slot) {
  mark_changed(slot.entry->key);
  enqueue(slot);
}

void Store::mark_changed(std::string_view key) {
  if (changed_.find(key) == changed_.end()) changed_.emplace(key);
}

void Store::count_size(std::size_t size, int delta) {
  if (delta > 0) {
    if (size >= size_counts_.size()) size_counts_.resize(size + 1);
    ++size_counts_[size];
    smallest_ = std::min(smallest_, size);
  } else {
    --size_counts_[size];  // smallest_ stays a lower bound
  }
}

std::size_t Store::smallest_queued() {
  while (smallest_ < size_counts_.size() && size_counts_[smallest_] == 0) ++smallest_;
  return smallest_;
}

namespace {
// The item of `seq` in a bucket (present by construction: seqs are unique within a bucket).
template <class Item>
std::size_t position_of(const std::vector<Item>& items, std::uint64_t seq) {
  const auto it = std::lower_bound(items.begin(), items.end(), seq,
                                   [](const Item& q, std::uint64_t s) { return q.seq < s; });
  return static_cast<std::size_t>(it - items.begin());
}
}  // namespace

void Store::punch(Slot& slot) {
  Bucket& b = lane_of(slot)[static_cast<std::size_t>(slot.transmits)];
  b.items[position_of(b.items, slot.seq)].slot = nullptr;
  ++b.holes;
  --queued_;
  count_size(slot.encoded.size(), -1);
  slot.transmits = -1;
}

void Store::compact(Bucket& b) {
  while (!b.items.empty() && b.items.back().slot == nullptr) {
    b.items.pop_back();
    --b.holes;
  }
  if (b.holes > 32 && b.holes * 2 > b.items.size()) {
    std::erase_if(b.items, [](const Queued& q) { return q.slot == nullptr; });
    b.holes = 0;
  }
  // A bucket that drained gives its memory back (a storm can leave thousands of items).
  if (b.items.capacity() > 256 && b.items.size() * 4 < b.items.capacity()) b.items.shrink_to_fit();
}

void Store::enqueue(Slot& slot) {
  const Entry& entry = *slot.entry;
  if (entry.deleted) oldest_tombstone_ = std::min(oldest_tombstone_, entry.version.hlc);
  // A key already queued leaves its old place (its buffer is reused).
  if (slot.transmits >= 0) {
    Bucket& old = lane_of(slot)[static_cast<std::size_t>(slot.transmits)];
    punch(slot);
    compact(old);
  }
  slot.encoded.clear();
  append_entry(slot.encoded, entry);
  if (slot.encoded.size() + kBatchHeaderMax > config_.max_delta_bytes) {
    slot.encoded = Bytes{};
    oversized_.insert_or_assign(entry.key, encode_entries(std::span<const Entry>(&entry, 1)));
    return;
  }
  if (!oversized_.empty()) oversized_.erase(entry.key);
  if (tree_lane_ && per_peer_owner(entry.key)) {
    slot.encoded = Bytes{};
    if (fresh_keys_.insert(entry.key).second) fresh_.push_back(entry.key);
    return;
  }
  count_size(slot.encoded.size(), +1);
  // Never transmitted and the newest: the back of bucket 0 of its lane.
  slot.lane = per_peer_owner(entry.key) ? kLaneStatus : kLaneState;  // bulk, per-peer values
  std::vector<Bucket>& lane = lane_of(slot);
  if (lane.empty()) lane.emplace_back();
  slot.transmits = 0;
  slot.seq = next_seq_++;
  lane[0].items.push_back(Queued{slot.seq, slot.encoded.size(), &slot});
  ++queued_;
}

void Store::unqueue(Slot& slot) {
  if (slot.transmits < 0) return;
  Bucket& b = lane_of(slot)[static_cast<std::size_t>(slot.transmits)];
  punch(slot);
  compact(b);
  slot.encoded = Bytes{};
}

void Store::dequeue(std::string_view key) {
  if (const std::size_t cell = find_cell(key, hash_of(key)); cell != kNoCell) {
    unqueue(*cells_[cell].slot);
  }
  if (const auto it = oversized_.find(key); it != oversized_.end()) oversized_.erase(it);
}

Bytes Store::take_deltas(std::size_t budget_bytes, int retransmit_limit) {
  if (queued_ == 0 || budget_bytes <= kBatchHeaderMax) return {};
  // Walk the queue least-transmitted first (newest first among equals), taking what fits. Stop
  // once the room left is below the smallest queued entry, or after a run of entries that do not
  // fit, so a nearly full packet costs O(1), not O(n).
  constexpr int kMaxMisses = 64;
  std::size_t room = budget_bytes - kBatchHeaderMax;
  const std::size_t smallest = smallest_queued();
  struct Pick {
    std::uint8_t lane;
    std::size_t bucket, at;
  };
  std::vector<Pick> chosen;
  int misses = 0;
  bool stopped = false;
  for (std::uint8_t l = 0; l < lanes_.size() && !stopped; ++l) {
    for (std::size_t t = 0; t < lanes_[l].size(); ++t) {
      const std::vector<Queued>& items = lanes_[l][t].items;
      std::size_t i = items.size();
      for (; i > 0; --i) {
        const Queued& q = items[i - 1];
        if (q.slot == nullptr) continue;
        if (misses >= kMaxMisses || chosen.size() == kBatchMaxCount || room < smallest) break;
        if (q.size > room) {
          ++misses;
          continue;
        }
        misses = 0;
        room -= q.size;
        chosen.push_back(Pick{l, t, i - 1});
        __builtin_prefetch(&q.slot->encoded);  // (see below)
      }
      if (i > 0) {  // stopped early
        stopped = true;
        break;
      }
    }
  }
  if (chosen.empty()) return {};
  // The encoded entries lie scattered over the heap: request them all before copying the first
  // (their slots were requested as they were chosen).
  for (const Pick& p : chosen)
    __builtin_prefetch(lanes_[p.lane][p.bucket].items[p.at].slot->encoded.data());
  Bytes out;
  out.reserve(budget_bytes - room);
  AppendTo sink{&out};
  Packer pk(sink);
  pk.pack_array(static_cast<std::uint32_t>(chosen.size()));
  for (const Pick& p : chosen) {
    const Bytes& encoded = lanes_[p.lane][p.bucket].items[p.at].slot->encoded;
    out.insert(out.end(), encoded.begin(), encoded.end());
  }
  // Each taken item moves to the next bucket of its lane (or leaves). Last pick first: an
  // insertion into bucket t + 1 then moves no pick still to be handled (those are in buckets
  // <= t of that lane, or in the lane before).
  for (auto p = chosen.rbegin(); p != chosen.rend(); ++p) {
    std::vector<Bucket>& lane = lanes_[p->lane];
    Bucket& from = lane[p->bucket];
    const Queued q = from.items[p->at];
    from.items[p->at].slot = nullptr;
    ++from.holes;
    Slot& slot = *q.slot;
    const std::size_t next = p->bucket + 1;
    if (next >= static_cast<std::size_t>(std::max(retransmit_limit, 0))) {
      --queued_;
      count_size(q.size, -1);
      slot.transmits = -1;
      slot.encoded = Bytes{};
      continue;
    }
    if (lane.size() <= next) lane.resize(next + 1);
    std::vector<Queued>& to = lane[next].items;  // (no reference into the lane is held)
    to.insert(to.begin() + static_cast<std::ptrdiff_t>(position_of(to, q.seq)), q);
    slot.transmits = static_cast<int>(next);
  }
  for (auto& lane : lanes_)
    for (Bucket& b : lane) compact(b);
  return out;
}

std::vector<std::string> Store::take_changed() {
  std::vector<std::string> out(changed_.begin(), changed_.end());
  changed_.clear();
  return out;
}

std::vector<Bytes> Store::take_oversized() {
  std::vector<Bytes> out;
  out.reserve(oversized_.size());
  for (auto& [key, bytes] : oversized_) out.push_back(std::move(bytes));
  oversized_.clear();
  return out;
}

int Store::retransmit_limit(int retransmit_mult, std::size_t members) {
  int digits = 0;  // ceil(log10(n + 1)) is the number of decimal digits of n (0 for n = 0)
  for (std::size_t n = members; n > 0; n /= 10) ++digits;
  return std::max(1, retransmit_mult * digits);
}

}  // namespace shoal::gossip
