// The store: local writes, the merge rules for remote entries, expiry of tombstones and
// graves. Its index (store_index.cpp), delta queue (store_queue.cpp), push-pull
// (store_push_pull.cpp), snapshots (store_snapshot.cpp) and encodings (store_codec.cpp) are
// beside it.
#include "gossip/store.hpp"

#include "gossip/store_codec.hpp"

namespace shoal::gossip {

using namespace store_codec;

Store::Store(std::string self, StoreConfig config)
    : self_(std::move(self)), config_(config), graves_(config.max_grave_bytes) {}

std::int64_t Store::clock_ahead_us(std::int64_t wall_us) const {
  return sat_sub(Hlc::physical_us(hlc_.last()), wall_us);
}

Version Store::put(std::int64_t wall_us, std::string key, Bytes value) {
  Version v{hlc_.tick(wall_us), self_};
  if (const Entry* e = lookup(key); e != nullptr && !(e->version < v)) {
    hlc_.observe(e->version.hlc);  // defensive: never write under what we hold
    v.hlc = hlc_.tick(wall_us);
  }
  graves_.forget(key);  // the clock observed every grave: v is above it
  store_and_queue(Entry{std::move(key), v, false, std::move(value)});
  return v;
}

Version Store::erase(std::int64_t wall_us, std::string key) {
  Version v{hlc_.tick(wall_us), self_};
  if (const Entry* e = lookup(key); e != nullptr && !(e->version < v)) {
    hlc_.observe(e->version.hlc);
    v.hlc = hlc_.tick(wall_us);
  }
  graves_.forget(key);
  store_and_queue(Entry{std::move(key), v, true, {}});
  return v;
}

MergeResult Store::merge(std::int64_t wall_us, Entry entry) {
  return merge_one(wall_us, entry.key, hash_of(entry.key), entry.version.hlc,
                   entry.version.origin, entry.deleted, entry.value, &entry);
}

MergeResult Store::merge_one(std::int64_t wall_us, std::string_view key, std::uint64_t hash,
                             std::uint64_t hlc, std::string_view origin, bool deleted,
                             ByteView value, Entry* owned) {
  if (const auto owner = per_peer_owner(key); owner && *owner != origin) {
    ++stats_.refused_foreign;  // status/<peer> and usage/<peer> are written only by that peer
    return MergeResult::refused_foreign;
  }
  if (sat_sub(Hlc::physical_us(hlc), wall_us) > config_.max_clock_skew_us) {
    ++stats_.refused_skew;
    return MergeResult::refused_skew;
  }
  // A version of ours that this store never issued nor saw comes from a previous life of this
  // peer (restarted without its disk, its old clock pushed ahead by a peer within the skew).
  const bool from_past_life = origin == self_ && hlc > hlc_.last();
  hlc_.observe(hlc);
  // The one lookup of this key: the cell serves the staleness check and the update in place.
  const std::size_t cell = find_cell(key, hash);
  if (cell == kNoCell) {
    // The tombstone horizon: a key with no entry here may have had one that a tombstone deleted
    // and collect_garbage then removed. Whatever that tombstone superseded stays deleted; the
    // comparison is of versions, so no clock enters it (only the graves' lifetime).
    if (buried_above(key, hlc, origin)) {
      ++stats_.refused_expired;
      return MergeResult::refused_expired;
    }
    // A tombstone already past tombstone_ttl (by our clock) is collected on arrival: storing it
    // would only spread it again (a long-cut-off peer re-gossiping its old deletes) until the
    // next collection. Its grave keeps what it deleted from coming back.
    if (deleted && age_us(hlc, wall_us) >= config_.tombstone_ttl_us) {
      bury(key, Version{hlc, std::string(origin)});
      ++stats_.refused_expired;
      return MergeResult::refused_expired;
    }
    graves_.forget(key);  // a newer version: the key lives (or dies) again
  }
  if (cell != kNoCell && cells_[cell].surely_not_newer(hlc, origin)) {  // without the entry
    ++stats_.stale;
    return MergeResult::stale;
  }
  Entry* have = cell == kNoCell ? nullptr : cells_[cell].entry;
  // Stale unless strictly newer than what we have: (hlc, origin) compared as Version does.
  if (have != nullptr && (have->version.hlc > hlc ||
                          (have->version.hlc == hlc && have->version.origin >= origin))) {
    ++stats_.stale;
    return MergeResult::stale;
  }
  if (deleted) value = {};
  if (from_past_life && have != nullptr && have->version.origin == self_ &&
      (have->deleted != deleted || !std::ranges::equal(have->value, value))) {
    // Our current write is the newer one in real time: re-issue it above the old version, as a
    // SWIM member refutes with a higher incarnation.
    have->version.hlc = hlc_.tick(wall_us);
    cells_[cell].note_version(have->version);
    ++stats_.refuted;
    requeue(*cells_[cell].slot);
    return MergeResult::refuted;
  }
  ++stats_.applied;
  if (have == nullptr) {
    if (owned != nullptr) {
      if (deleted) owned->value.clear();
      insert_and_queue(std::move(*owned), hash);
    } else {
      insert_and_queue(Entry{std::string(key), Version{hlc, std::string(origin)}, deleted,
                             Bytes(value.begin(), value.end())},
                       hash);
    }
    return MergeResult::applied;
  }
  // Update in place (the strings keep their capacity; `origin` and `value` may view `owned`).
  have->version.hlc = hlc;
  have->version.origin.assign(origin);
  cells_[cell].note_version(have->version);
  have->deleted = deleted;
  if (owned != nullptr && !deleted) have->value = std::move(owned->value);
  else have->value.assign(value.begin(), value.end());
  requeue(*cells_[cell].slot);
  return MergeResult::applied;
}

namespace {
void count_result(MergeCounts& c, MergeResult r) {
  switch (r) {
    case MergeResult::applied: ++c.applied; break;
    case MergeResult::stale: ++c.stale; break;
    case MergeResult::refuted: ++c.refuted; break;
    case MergeResult::refused_foreign: ++c.refused_foreign; break;
    case MergeResult::refused_skew: ++c.refused_skew; break;
    case MergeResult::refused_expired: ++c.refused_expired; break;
  }
}
}  // namespace

MergeCounts Store::merge_all(std::int64_t wall_us, std::vector<Entry> entries) {
  MergeCounts c;
  for (Entry& e : entries) count_result(c, merge(wall_us, std::move(e)));
  return c;
}

void Store::merge_each(std::int64_t wall_us, const std::vector<Entry>& entries) {
  // As merge_all() on a copy, but only the entries that are stored get copied.
  for (const Entry& e : entries) {
    merge_one(wall_us, e.key, hash_of(e.key), e.version.hlc, e.version.origin, e.deleted,
              e.value, nullptr);
  }
}

Parsed<MergeCounts> Store::merge_encoded(std::int64_t wall_us, ByteView batch) {
  // Validate the whole batch first (a malformed batch merges nothing), as views into it; most
  // entries of a gossiped batch are stale here, and those are rejected without copying them.
  MsgpackReader r(batch);
  std::vector<EntryView> views;
  if (!read_entry_views(r, views) || !r.finish()) return Parsed<MergeCounts>::failure(r.error());
  // Every key's cell is requested before the first is needed: a simulator's thousand stores
  // do not fit in a cache, and a batch's lookups then wait for memory together, not in turn.
  for (EntryView& v : views) {
    v.hash = hash_of(v.key);
    prefetch_cell(v.hash);
  }
  MergeCounts c;
  for (const EntryView& v : views) {
    count_result(c, merge_one(wall_us, v.key, v.hash, v.hlc, v.origin, v.deleted, v.value,
                              nullptr));
  }
  return c;
}

void Store::store_and_queue(Entry entry) {
  const std::uint64_t hash = hash_of(entry.key);
  const std::size_t cell = find_cell(entry.key, hash);
  if (cell == kNoCell) {
    insert_and_queue(std::move(entry), hash);
    return;
  }
  *cells_[cell].entry = std::move(entry);
  cells_[cell].note_version(cells_[cell].entry->version);
  requeue(*cells_[cell].slot);
}

void Store::insert_and_queue(Entry entry, std::uint64_t hash) {
  std::string key = entry.key;
  const auto it = entries_.emplace(std::move(key), std::move(entry)).first;
  Slot& slot = add_cell(it->first, hash, &it->second);
  mark_changed(it->first);
  enqueue(slot);
}

std::string Store::status_key(std::string_view peer) {
  std::string k(kStatusPrefix);
  k.append(peer);
  return k;
}

std::string Store::usage_key(std::string_view peer) {
  std::string k(kUsagePrefix);
  k.append(peer);
  return k;
}

std::optional<std::string_view> per_peer_owner(std::string_view key) {
  for (const std::string_view prefix : {kStatusPrefix, kUsagePrefix})
    if (key.starts_with(prefix)) return key.substr(prefix.size());
  return std::nullopt;
}

bool Store::forget_member(std::string_view peer) {
  bool any = false;
  for (std::string key : {status_key(peer), usage_key(peer)}) {
    dequeue(key);
    const bool held = held_.erase(key) > 0;
    erase_cell(key);  // before the node (and the key it views) goes
    if (entries_.erase(key) == 0) {
      any = any || held;
      continue;
    }
    changed_.insert(key);
    any = true;
  }
  return any;
}

std::size_t Store::collect_garbage(std::int64_t wall_us) {
  // Graves go at 2 * tombstone_ttl: those whose physical time is at most wall - 2 * ttl, i.e.
  // (ms resolution) whose hlc lies below from_wall(wall - 2 * ttl + 1 ms). Saturated: walls and
  // configs come from outside.
  std::int64_t twice = 0, grave_edge = 0;
  if (__builtin_mul_overflow(config_.tombstone_ttl_us, 2, &twice)) twice = INT64_MAX;
  if (__builtin_add_overflow(sat_sub(wall_us, twice), 1000, &grave_edge)) grave_edge = INT64_MAX;
  graves_.forget_below(Hlc::from_wall(grave_edge));
  // Nothing can be due when no tombstone is, or when the oldest is not (age falls with hlc).
  if (tombstones_known_ && (oldest_tombstone_ == UINT64_MAX ||
                            age_us(oldest_tombstone_, wall_us) < config_.tombstone_ttl_us))
    return 0;
  std::size_t n = 0;
  std::uint64_t oldest = UINT64_MAX;
  for (auto* map : {&entries_, &held_}) {
    for (auto it = map->begin(); it != map->end();) {
      const Entry& e = it->second;
      if (e.deleted && age_us(e.version.hlc, wall_us) >= config_.tombstone_ttl_us) {
        dequeue(it->first);
        if (map == &entries_ || lookup(it->first) == nullptr) bury(it->first, e.version);
        if (map == &entries_) erase_cell(it->first);
        it = map->erase(it);
        ++n;
      } else {
        if (e.deleted) oldest = std::min(oldest, e.version.hlc);
        ++it;
      }
    }
  }
  tombstones_known_ = true;
  oldest_tombstone_ = oldest;
  stats_.garbage_collected += n;
  return n;
}

}  // namespace shoal::gossip
