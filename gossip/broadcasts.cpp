#include "gossip/broadcasts.hpp"

#include <string>
#include <string_view>

#include "gossip/growth.hpp"
#include "gossip/wire.hpp"

namespace shoal::gossip {

namespace {
// Live entries that do not fit the budget are skipped; past this many per bucket in one take the
// rest of that bucket waits for the next packet (bounds a take's work).
constexpr std::size_t kMaxSkips = 32;
}  // namespace

std::uint32_t BroadcastQueue::next_seq() {
  if (++seq_ == 0) {  // wrapped: renumber the live entries so no stale one can match again
    compact();
    std::uint32_t s = 0;
    for (auto& b : buckets_)
      for (Ref& r : b) records_[r.key].seq = r.seq = ++s;
    seq_ = s + 1;
  }
  return seq_;
}

std::uint32_t BroadcastQueue::push(std::uint32_t key, ByteView part) {
  const std::uint32_t id = interner_->parts.acquire(
      std::string_view(reinterpret_cast<const char*>(part.data()), part.size()));
  auto& sizes = interner_->part_sizes;
  if (id >= sizes.size()) sizes.resize(interner_->parts.bound());
  sizes[id] = static_cast<std::uint32_t>(part.size());
  push_interned(key, id);
  return id;
}

void BroadcastQueue::push_interned(std::uint32_t key, std::uint32_t id) {
  if (key >= records_.size()) {
    reserve_gently(records_, key + 1);
    records_.resize(key + 1);
  }
  Record& rec = records_[key];
  if (rec.part != kNoPart) interner_->release_part(rec.part);
  else ++live_;
  rec.part = id;
  rec.seq = next_seq();
  if (buckets_.empty()) buckets_.resize(1);
  reserve_gently(buckets_[0], buckets_[0].size() + 1);
  buckets_[0].push_back(Ref{key, rec.seq});
  ++refs_;
  if (too_many_stale()) compact();
}

void BroadcastQueue::remove(std::uint32_t key) {
  if (key >= records_.size() || records_[key].part == kNoPart) return;
  interner_->release_part(records_[key].part);
  records_[key].part = kNoPart;
  --live_;
}

void BroadcastQueue::clear() {
  for (Record& r : records_)
    if (r.part != kNoPart) interner_->release_part(r.part);
  records_.clear();
  buckets_.clear();
  live_ = refs_ = 0;
}

std::size_t BroadcastQueue::footprint() const {
  std::size_t n = records_.capacity() * sizeof(Record) + buckets_.capacity() * sizeof(buckets_[0]);
  for (const auto& b : buckets_) n += b.capacity() * sizeof(Ref);
  n += taken_.capacity() * sizeof(taken_[0]);
  return n;
}

void BroadcastQueue::compact() {
  refs_ = 0;
  for (auto& b : buckets_) {
    std::size_t w = 0;
    for (const Ref& r : b)
      if (is_live(r)) b[w++] = r;
    b.resize(w);
    if (b.capacity() > w + w / 4 + 64) b.shrink_to_fit();
    refs_ += w;
  }
  while (!buckets_.empty() && buckets_.back().empty()) buckets_.pop_back();
}

std::vector<Bytes> BroadcastQueue::take(std::size_t budget, int limit, std::size_t max_parts) {
  std::vector<Bytes> out;
  take_each(budget, limit, max_parts, [&out](const std::string& part) {
    const auto* p = reinterpret_cast<const std::byte*>(part.data());
    out.emplace_back(p, p + part.size());
  });
  return out;
}

std::pair<std::size_t, std::size_t> BroadcastQueue::take_into(std::size_t budget, int limit,
                                                              std::size_t max_parts,
                                                              wire::PacketBuilder& out) {
  return take_each(budget, limit, max_parts, [&out](const std::string& part) {
    out.add(std::span(reinterpret_cast<const std::byte*>(part.data()), part.size()));
  });
}

template <typename Sink>
std::pair<std::size_t, std::size_t> BroadcastQueue::take_each(std::size_t budget, int limit,
                                                              std::size_t max_parts, Sink&& sink) {
  std::size_t n = 0;
  if (live_ == 0 || max_parts == 0) return {0, 0};
  taken_.clear();
  std::size_t left = budget;
  for (std::size_t t = 0; t < buckets_.size() && n < max_parts && left > 2; ++t) {
    std::vector<Ref>& b = buckets_[t];
    std::size_t skipped = 0;
    for (std::size_t i = b.size(); i > 0 && n < max_parts && left > 2;) {
      --i;
      const Ref r = b[i];
      const bool top = i + 1 == b.size();
      if (!is_live(r)) {
        if (top) {
          b.pop_back();
          --refs_;
        }
        continue;
      }
      const std::uint32_t id = records_[r.key].part;
      const std::size_t cost = wire::compound_overhead(interner_->part_sizes[id]);
      if (cost > left) {
        if (++skipped > kMaxSkips) break;
        continue;
      }
      left -= cost;
      sink(interner_->parts[id]);  // before the re-stacking below, which may drop the part
      ++n;
      if (top) {
        b.pop_back();
        --refs_;
      }
      records_[r.key].seq = 0;  // this entry is stale from now on (0 is never handed out)
      taken_.emplace_back(r.key, t + 1);
    }
  }
  // Re-stack in reverse, so the newest of this batch is on top of its next bucket.
  for (auto it = taken_.rbegin(); it != taken_.rend(); ++it) {
    const auto [key, count] = *it;
    Record& rec = records_[key];
    if (static_cast<int>(count) >= limit) {
      interner_->release_part(rec.part);
      rec.part = kNoPart;
      --live_;
      continue;
    }
    rec.seq = next_seq();
    if (buckets_.size() <= count) buckets_.resize(count + 1);
    reserve_gently(buckets_[count], buckets_[count].size() + 1);
    buckets_[count].push_back(Ref{key, rec.seq});
    ++refs_;
  }
  if (too_many_stale()) compact();
  return {n, budget - left};
}

}  // namespace shoal::gossip
