#include "gossip/store.hpp"

#include <algorithm>
#include <cstring>
#include <msgpack/pack.hpp>

namespace shoal::gossip {

// ============================================================================ encoding

namespace {

// The byte sink msgpack's packer writes to.
struct Sink {
  Bytes* out;
  void write(const char* p, std::size_t n) {
    const auto* b = reinterpret_cast<const std::byte*>(p);
    out->insert(out->end(), b, b + n);
  }
};
using Packer = msgpack::packer<Sink>;

void pack_str(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<std::uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<std::uint32_t>(s.size()));
}

void pack_entry(Packer& pk, const Entry& e) {
  pk.pack_array(5);
  pack_str(pk, e.key);
  pk.pack_uint64(e.version.hlc);
  pack_str(pk, e.version.origin);
  if (e.deleted) pk.pack_true(); else pk.pack_false();
  pk.pack_bin(static_cast<std::uint32_t>(e.value.size()));
  pk.pack_bin_body(reinterpret_cast<const char*>(e.value.data()),
                   static_cast<std::uint32_t>(e.value.size()));
}

void pack_entries(Packer& pk, std::span<const Entry> entries) {
  pk.pack_array(static_cast<std::uint32_t>(entries.size()));
  for (const Entry& e : entries) pack_entry(pk, e);
}

void pack_digest_item(Packer& pk, std::string_view key, const Version& version) {
  pk.pack_array(3);
  pack_str(pk, key);
  pk.pack_uint64(version.hlc);
  pack_str(pk, version.origin);
}
void pack_digest(Packer& pk, const Digest& d) {
  pk.pack_array(static_cast<std::uint32_t>(d.items.size()));
  for (const DigestItem& it : d.items) pack_digest_item(pk, it.key, it.version);
}
void pack_push_pull_head(Packer& pk, PushPull::Kind kind, bool holding_back) {
  pk.pack_array(4);
  pk.pack_uint8(static_cast<std::uint8_t>(kind));
  if (holding_back) pk.pack_true(); else pk.pack_false();
}

// An entry as it lies in an encoded batch: views into the input, nothing copied.
struct EntryView {
  std::string_view key;
  std::uint64_t hlc = 0;
  std::string_view origin;
  bool deleted = false;
  ByteView value;
  std::uint64_t hash = 0;  // Store::hash_of(key), filled by merge_encoded
};

// A digest item as it lies in an encoded push-pull: views into the input.
struct DigestView {
  std::string_view key;
  std::uint64_t hlc = 0;
  std::string_view origin;
};

// Store::missing_for on digest views, asked about each of our entries in key order (the order
// of entries_), so a reply's digest and missing entries come from one walk of the map. The
// same comparisons: keys as strings, versions as Version's (hlc, then origin).
class MissingFinder {
 public:
  explicit MissingFinder(const std::vector<DigestView>& items)
      : items_(items), r_(items.begin()),
        sorted_(std::is_sorted(items.begin(), items.end(), [](const auto& a, const auto& b) {
          return a.key < b.key;
        })) {
    if (sorted_) return;
    // Not in key order (not from a store of ours): look keys up; a key listed twice counts
    // with its higher version.
    for (const DigestView& it : items) {
      auto [pos, inserted] = theirs_.emplace(it.key, &it);
      if (!inserted && less(*pos->second, it)) pos->second = &it;
    }
  }
  // Whether the remote lacks `key` or has it older than `ours`.
  bool missing(std::string_view key, const Version& ours) {
    const DigestView* theirs = nullptr;
    if (!sorted_) {
      auto it = theirs_.find(key);
      if (it != theirs_.end()) theirs = it->second;
    } else {
      while (r_ != items_.end() && r_->key < key) ++r_;
      for (auto q = r_; q != items_.end() && q->key == key; ++q)
        if (theirs == nullptr || less(*theirs, *q)) theirs = &*q;
    }
    return theirs == nullptr || theirs->hlc < ours.hlc ||
           (theirs->hlc == ours.hlc && theirs->origin < ours.origin);
  }

 private:
  static bool less(const DigestView& a, const DigestView& b) {
    return a.hlc != b.hlc ? a.hlc < b.hlc : a.origin < b.origin;
  }
  const std::vector<DigestView>& items_;
  std::vector<DigestView>::const_iterator r_;
  bool sorted_;
  std::map<std::string_view, const DigestView*> theirs_;
};

// A strict msgpack reader for exactly the shapes above. Every read checks the remaining length
// first; a declared element count is checked against the remaining bytes before anything is
// reserved, so a small malformed input can never cause a large allocation.
class Reader {
 public:
  explicit Reader(ByteView b) : b_(b) {}
  bool done() const { return pos_ == b_.size(); }
  // The message is built only when asked for: rejecting garbage stays cheap.
  std::string error() const {
    if (what_ == nullptr) return {};
    return std::string(what_) + detail_ + " at byte " + std::to_string(at_);
  }

  bool fail(const char* what, const char* detail = "") {
    if (what_ == nullptr) {
      what_ = what;
      detail_ = detail;
      at_ = pos_;
    }
    return false;
  }

  bool array(std::uint32_t& n) {
    std::uint8_t t = 0;
    if (!byte(t)) return false;
    if ((t & 0xf0) == 0x90) { n = t & 0x0f; }
    else if (t == 0xdc) { if (!be(2, n)) return false; }
    else if (t == 0xdd) { if (!be(4, n)) return false; }
    else return fail("expected an array");
    if (n > remaining()) return fail("array longer than the input");
    return true;
  }
  // Smallest encodings: an entry [key, hlc, origin, deleted, bin] and a digest item [key, hlc,
  // origin] (a one-byte header each, and a two-byte bin).
  static constexpr std::size_t kMinEntryBytes = 7;
  static constexpr std::size_t kMinDigestItemBytes = 4;
  // How many of `n` announced items to reserve: no more than the bytes left could hold.
  std::size_t at_most(std::uint32_t n, std::size_t min_bytes) const {
    return std::min<std::size_t>(n, remaining() / min_bytes);
  }
  bool array_of(std::uint32_t want, const char* what) {
    std::uint32_t n = 0;
    if (!array(n)) return false;
    if (n != want) return fail("wrong field count in ", what);
    return true;
  }
  bool uint(std::uint64_t& v) {
    std::uint8_t t = 0;
    if (!byte(t)) return false;
    if (t <= 0x7f) { v = t; return true; }
    std::uint32_t len = 0;
    switch (t) {
      case 0xcc: len = 1; break;
      case 0xcd: len = 2; break;
      case 0xce: len = 4; break;
      case 0xcf: len = 8; break;
      default: return fail("expected an unsigned integer");
    }
    if (remaining() < len) return fail("truncated integer");
    v = 0;
    for (std::uint32_t i = 0; i < len; ++i) v = (v << 8) | std::to_integer<std::uint8_t>(b_[pos_++]);
    return true;
  }
  bool boolean(bool& v) {
    std::uint8_t t = 0;
    if (!byte(t)) return false;
    if (t == 0xc2) { v = false; return true; }
    if (t == 0xc3) { v = true; return true; }
    return fail("expected a boolean");
  }
  bool str(std::string& s, std::size_t max, const char* what) {
    std::string_view v;
    if (!str_view(v, max, what)) return false;
    s.assign(v);
    return true;
  }
  bool bin(Bytes& out, std::size_t max) {
    ByteView v;
    if (!bin_view(v, max)) return false;
    out.assign(v.begin(), v.end());
    return true;
  }

  // A string / binary pointing into the input (no copy); str()/bin() copy it out.
  bool str_view(std::string_view& s, std::size_t max, const char* what) {
    std::uint8_t t = 0;
    if (!byte(t)) return false;
    std::uint32_t n = 0;
    if ((t & 0xe0) == 0xa0) { n = t & 0x1f; }
    else if (t == 0xd9) { if (!be(1, n)) return false; }
    else if (t == 0xda) { if (!be(2, n)) return false; }
    else if (t == 0xdb) { if (!be(4, n)) return false; }
    else return fail("expected a string for ", what);
    if (n > max) return fail("too long: ", what);
    if (n > remaining()) return fail("truncated ", what);
    s = std::string_view(reinterpret_cast<const char*>(b_.data() + pos_), n);
    pos_ += n;
    return true;
  }
  bool bin_view(ByteView& out, std::size_t max) {
    std::uint8_t t = 0;
    if (!byte(t)) return false;
    std::uint32_t n = 0;
    if (t == 0xc4) { if (!be(1, n)) return false; }
    else if (t == 0xc5) { if (!be(2, n)) return false; }
    else if (t == 0xc6) { if (!be(4, n)) return false; }
    else return fail("expected binary for value");
    if (n > max) return fail("value too long");
    if (n > remaining()) return fail("truncated value");
    out = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool entry_view(EntryView& e) {
    if (!array_of(5, "entry")) return false;
    if (!str_view(e.key, kMaxKeyBytes, "key")) return false;
    if (e.key.empty()) return fail("empty key");
    if (!uint(e.hlc)) return false;
    if (!str_view(e.origin, kMaxOriginBytes, "origin")) return false;
    if (e.origin.empty()) return fail("empty origin");
    if (!boolean(e.deleted)) return false;
    if (!bin_view(e.value, kMaxValueBytes)) return false;
    if (e.deleted && !e.value.empty()) return fail("tombstone with a value");
    return true;
  }
  bool entry_views(std::vector<EntryView>& out) {
    std::uint32_t n = 0;
    if (!array(n)) return false;
    out.clear();
    out.reserve(at_most(n, kMinEntryBytes));
    for (std::uint32_t i = 0; i < n; ++i) {
      EntryView e;
      if (!entry_view(e)) return false;
      out.push_back(e);
    }
    return true;
  }

  bool entry(Entry& e) {
    if (!array_of(5, "entry")) return false;
    if (!str(e.key, kMaxKeyBytes, "key")) return false;
    if (e.key.empty()) return fail("empty key");
    if (!uint(e.version.hlc)) return false;
    if (!str(e.version.origin, kMaxOriginBytes, "origin")) return false;
    if (e.version.origin.empty()) return fail("empty origin");
    if (!boolean(e.deleted)) return false;
    if (!bin(e.value, kMaxValueBytes)) return false;
    if (e.deleted && !e.value.empty()) return fail("tombstone with a value");
    return true;
  }
  bool entries(std::vector<Entry>& out) {
    std::uint32_t n = 0;
    if (!array(n)) return false;
    out.clear();
    out.reserve(at_most(n, kMinEntryBytes));
    for (std::uint32_t i = 0; i < n; ++i) {
      Entry e;
      if (!entry(e)) return false;
      out.push_back(std::move(e));
    }
    return true;
  }
  bool digest(Digest& d) {
    std::uint32_t n = 0;
    if (!array(n)) return false;
    d.items.clear();
    d.items.reserve(at_most(n, kMinDigestItemBytes));
    for (std::uint32_t i = 0; i < n; ++i) {
      DigestItem it;
      if (!array_of(3, "digest item")) return false;
      if (!str(it.key, kMaxKeyBytes, "key")) return false;
      if (!uint(it.version.hlc)) return false;
      if (!str(it.version.origin, kMaxOriginBytes, "origin")) return false;
      d.items.push_back(std::move(it));
    }
    return true;
  }
  bool digest_views(std::vector<DigestView>& d) {  // as digest(), without copies
    std::uint32_t n = 0;
    if (!array(n)) return false;
    d.clear();
    d.reserve(at_most(n, kMinDigestItemBytes));
    for (std::uint32_t i = 0; i < n; ++i) {
      DigestView it;
      if (!array_of(3, "digest item")) return false;
      if (!str_view(it.key, kMaxKeyBytes, "key")) return false;
      if (!uint(it.hlc)) return false;
      if (!str_view(it.origin, kMaxOriginBytes, "origin")) return false;
      d.push_back(it);
    }
    return true;
  }
  bool finish() {
    if (!done()) return fail("trailing bytes");
    return true;
  }

 private:
  std::size_t remaining() const { return b_.size() - pos_; }
  bool byte(std::uint8_t& t) {
    if (pos_ >= b_.size()) return fail("truncated input");
    t = std::to_integer<std::uint8_t>(b_[pos_++]);
    return true;
  }
  bool be(std::uint32_t len, std::uint32_t& v) {
    if (remaining() < len) return fail("truncated length");
    v = 0;
    for (std::uint32_t i = 0; i < len; ++i) v = (v << 8) | std::to_integer<std::uint8_t>(b_[pos_++]);
    return true;
  }

  ByteView b_;
  std::size_t pos_ = 0;
  const char* what_ = nullptr;
  const char* detail_ = "";
  std::size_t at_ = 0;
};

constexpr std::uint64_t kSnapshotFormat = 1;  // [1, clock, entries, held back]
constexpr std::uint64_t kSnapshotGraves = 2;  // [2, clock, entries, held back, graves]

// Appends `e` alone (a batch element, no batch header) to `out`.
void append_entry(Bytes& out, const Entry& e) {
  Sink sink{&out};
  Packer pk(sink);
  pack_entry(pk, e);
}

// a - b, saturated instead of overflowing (walls and configs come from outside).
std::int64_t sat_sub(std::int64_t a, std::int64_t b) {
  std::int64_t d = 0;
  if (__builtin_sub_overflow(a, b, &d)) return a < b ? INT64_MIN : INT64_MAX;
  return d;
}

// How far `hlc`'s physical time lies behind `wall_us` (negative: ahead of it).
std::int64_t age_us(std::uint64_t hlc, std::int64_t wall_us) {
  return sat_sub(wall_us, Hlc::physical_us(hlc));
}

// A batch header for up to 65,535 entries takes at most 3 bytes.
constexpr std::size_t kBatchHeaderMax = 3;
constexpr std::size_t kBatchMaxCount = 65535;

}  // namespace

Bytes encode_entries(std::span<const Entry> entries) {
  Bytes out;
  Sink sink{&out};
  Packer pk(sink);
  pack_entries(pk, entries);
  return out;
}

Parsed<std::vector<Entry>> decode_entries(ByteView bytes) {
  Reader r(bytes);
  std::vector<Entry> out;
  if (!r.entries(out) || !r.finish()) return Parsed<std::vector<Entry>>::failure(r.error());
  return out;
}

Bytes encode_digest(const Digest& digest) {
  Bytes out;
  Sink sink{&out};
  Packer pk(sink);
  pack_digest(pk, digest);
  return out;
}

Parsed<Digest> decode_digest(ByteView bytes) {
  Reader r(bytes);
  Digest d;
  if (!r.digest(d) || !r.finish()) return Parsed<Digest>::failure(r.error());
  return d;
}

Bytes encode_push_pull(const PushPull& msg) {
  Bytes out;
  Sink sink{&out};
  Packer pk(sink);
  pack_push_pull_head(pk, msg.kind, msg.holding_back);
  pack_digest(pk, msg.digest);
  pack_entries(pk, msg.entries);
  return out;
}

Parsed<PushPull> decode_push_pull(ByteView bytes) {
  Reader r(bytes);
  PushPull msg;
  std::uint64_t kind = 0;
  bool ok = r.array_of(4, "push-pull") && r.uint(kind);
  if (ok && kind > 2) ok = r.fail("unknown push-pull kind");
  ok = ok && r.boolean(msg.holding_back) && r.digest(msg.digest) && r.entries(msg.entries) &&
       r.finish();
  if (!ok) return Parsed<PushPull>::failure(r.error());
  msg.kind = static_cast<PushPull::Kind>(kind);
  return msg;
}

// ============================================================================ the store

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
  if (key.starts_with(kStatusPrefix) && key.substr(kStatusPrefix.size()) != origin) {
    ++stats_.refused_foreign;  // status/<peer> is written only by that peer
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
  Reader r(batch);
  std::vector<EntryView> views;
  if (!r.entry_views(views) || !r.finish()) return Parsed<MergeCounts>::failure(r.error());
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

std::uint64_t Store::hash_of(std::string_view key) {
  return std::hash<std::string_view>{}(key);
}

bool Store::Cell::has(std::string_view key) const {
  if (key.size() != key_size) return false;
  const std::size_t head = std::min(key.size(), kKeyHead);
  if (head > 0 && std::memcmp(key_head, key.data(), head) != 0) return false;
  // A long key's tail is compared with the entry's own copy of the key.
  return key.size() == head ||
         std::memcmp(entry->key.data() + head, key.data() + head, key.size() - head) == 0;
}

void Store::Cell::note_version(const Version& v) {
  hlc = v.hlc;
  if (v.origin.size() > kOriginHead) {
    origin_size = kOriginHead + 1;
    return;
  }
  origin_size = static_cast<std::uint8_t>(v.origin.size());
  if (!v.origin.empty()) std::memcpy(origin_head, v.origin.data(), v.origin.size());
}

bool Store::Cell::surely_not_newer(std::uint64_t h, std::string_view origin) const {
  if (hlc != h) return hlc > h;
  return origin_size <= kOriginHead && std::string_view(origin_head, origin_size) >= origin;
}

void Store::prefetch_cell(std::uint64_t hash) const {
  if (!cells_.empty()) __builtin_prefetch(&cells_[hash & (cells_.size() - 1)]);
}

std::size_t Store::find_cell(std::string_view key, std::uint64_t hash) const {
  if (cells_.empty()) return kNoCell;
  const std::size_t mask = cells_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {  // a free cell always exists
    const Cell& c = cells_[i];
    if (c.entry == nullptr) return kNoCell;
    if (c.hash == hash && c.has(key)) return i;
  }
}

Store::Slot& Store::add_cell(std::string_view key, std::uint64_t hash, Entry* entry) {
  if ((cells_used_ + 1) * 2 > cells_.size()) {  // grow: keep the load at most 1/2
    std::vector<Cell> old = std::move(cells_);
    cells_.clear();
    cells_.resize(std::max<std::size_t>(16, old.size() * 2));
    const std::size_t mask = cells_.size() - 1;
    for (Cell& c : old) {
      if (c.entry == nullptr) continue;
      std::size_t i = c.hash & mask;
      while (cells_[i].entry != nullptr) i = (i + 1) & mask;
      cells_[i] = std::move(c);
    }
  }
  const std::size_t mask = cells_.size() - 1;
  std::size_t i = hash & mask;
  while (cells_[i].entry != nullptr) i = (i + 1) & mask;
  Cell& c = cells_[i];
  c.hash = hash;
  c.note_version(entry->version);
  c.entry = entry;
  c.key_size = static_cast<std::uint32_t>(key.size());
  if (!key.empty()) std::memcpy(c.key_head, key.data(), std::min(key.size(), kKeyHead));
  c.slot = std::make_unique<Slot>();
  c.slot->entry = entry;
  ++cells_used_;
  return *c.slot;
}

void Store::erase_cell(std::string_view key) {
  std::size_t hole = find_cell(key, hash_of(key));
  if (hole == kNoCell) return;
  cells_[hole] = Cell{};
  --cells_used_;
  // Backward-shift deletion: pull later cells of the probe run into the hole when their home
  // position allows it, so lookups need no tombstones.
  const std::size_t mask = cells_.size() - 1;
  for (std::size_t j = (hole + 1) & mask; cells_[j].entry != nullptr; j = (j + 1) & mask) {
    const std::size_t home = cells_[j].hash & mask;
    // Can the cell at j move to the hole? Only if its home is not cyclically in (hole, j].
    const bool home_in_between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (home_in_between) continue;
    cells_[hole] = std::move(cells_[j]);
    cells_[j] = Cell{};
    hole = j;
  }
}

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
  count_size(slot.encoded.size(), +1);
  // Never transmitted and the newest: the back of bucket 0 of its lane.
  slot.lane = entry.key.starts_with(kStatusPrefix) ? kLaneStatus : kLaneState;
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

const Entry* Store::find(std::string_view key) const {
  return lookup(key);
}

Entry* Store::lookup(std::string_view key) {
  const std::size_t cell = find_cell(key, hash_of(key));
  return cell == kNoCell ? nullptr : cells_[cell].entry;
}

const Entry* Store::lookup(std::string_view key) const {
  const std::size_t cell = find_cell(key, hash_of(key));
  return cell == kNoCell ? nullptr : cells_[cell].entry;
}

void Store::rebuild_index() {
  cells_.clear();
  cells_used_ = 0;
  for (auto& [key, e] : entries_) add_cell(key, hash_of(key), &e);
}

const Bytes* Store::get(std::string_view key) const {
  const Entry* e = find(key);
  return e == nullptr || e->deleted ? nullptr : &e->value;
}

std::optional<Version> Store::version_of(std::string_view key) const {
  const Entry* e = find(key);
  if (e == nullptr) return std::nullopt;
  return e->version;
}

std::vector<std::pair<std::string, Version>> Store::versions_with_prefix(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, Version>> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (!it->second.deleted) out.emplace_back(it->first, it->second.version);
  }
  return out;
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
  Sink sink{&out};
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

Digest Store::digest() const {
  Digest d;
  d.items.reserve(entries_.size());
  for (const auto& [key, e] : entries_) d.items.push_back(DigestItem{key, e.version});
  return d;
}

std::vector<Entry> Store::missing_for(const Digest& remote) const {
  // What the remote lacks or has older (for a key listed twice, its higher version counts).
  const std::vector<DigestItem>& items = remote.items;
  std::vector<Entry> out;
  const auto by_key = [](const DigestItem& a, const DigestItem& b) { return a.key < b.key; };
  if (!std::is_sorted(items.begin(), items.end(), by_key)) {
    // Not in key order (not from a store of ours): look keys up.
    std::map<std::string_view, const Version*> theirs;
    for (const DigestItem& it : items) {
      auto [pos, inserted] = theirs.emplace(it.key, &it.version);
      if (!inserted && *pos->second < it.version) pos->second = &it.version;
    }
    for (const auto& [key, e] : entries_) {
      auto it = theirs.find(key);
      if (it == theirs.end() || *it->second < e.version) out.push_back(e);
    }
    for (Entry& g : graves_for(items)) out.push_back(std::move(g));
    return out;
  }
  // Both in key order: one merge walk.
  auto r = items.begin();
  for (const auto& [key, e] : entries_) {
    while (r != items.end() && r->key < key) ++r;
    const Version* theirs = nullptr;
    for (auto q = r; q != items.end() && q->key == key; ++q) {
      if (theirs == nullptr || *theirs < q->version) theirs = &q->version;
    }
    if (theirs == nullptr || *theirs < e.version) out.push_back(e);
  }
  for (Entry& g : graves_for(items)) out.push_back(std::move(g));
  return out;
}

Parsed<Bytes> Store::handle_push_pull_encoded(std::int64_t wall_us, ByteView bytes) {
  // decode_push_pull's checks, on views.
  Reader r(bytes);
  std::uint64_t kind = 0;
  bool remote_holding_back = false;
  std::vector<DigestView> digest;
  std::vector<EntryView> entries;
  bool ok = r.array_of(4, "push-pull") && r.uint(kind);
  if (ok && kind > 2) ok = r.fail("unknown push-pull kind");
  ok = ok && r.boolean(remote_holding_back) && r.digest_views(digest) &&
       r.entry_views(entries) && r.finish();
  if (!ok) return Parsed<Bytes>::failure(r.error());
  // handle_push_pull's steps, the reply written as encode_push_pull writes it.
  for (const EntryView& v : entries)
    merge_one(wall_us, v.key, hash_of(v.key), v.hlc, v.origin, v.deleted, v.value, nullptr);
  Bytes out;
  Sink sink{&out};
  Packer pk(sink);
  std::vector<const Entry*> missing;
  MissingFinder finder(digest);
  switch (static_cast<PushPull::Kind>(kind)) {
    case PushPull::Kind::request:
      // One walk: our digest (digest()) and what the remote lacks (missing_for()).
      pack_push_pull_head(pk, PushPull::Kind::response, holding_back());
      pk.pack_array(static_cast<std::uint32_t>(entries_.size()));
      for (const auto& [key, e] : entries_) {
        pack_digest_item(pk, key, e.version);
        if (finder.missing(key, e.version)) missing.push_back(&e);
      }
      break;
    case PushPull::Kind::response:
      if (!remote_holding_back) on_pull_succeeded(wall_us);
      pack_push_pull_head(pk, PushPull::Kind::final, holding_back());
      pk.pack_array(0);  // no digest
      for (const auto& [key, e] : entries_)
        if (finder.missing(key, e.version)) missing.push_back(&e);
      break;
    case PushPull::Kind::final:
      return out;
  }
  const std::vector<Entry> graves = graves_for(digest);
  pk.pack_array(static_cast<std::uint32_t>(missing.size() + graves.size()));
  for (const Entry* e : missing) pack_entry(pk, *e);
  for (const Entry& e : graves) pack_entry(pk, e);
  return out;
}

Bytes Store::encode_request() const {
  // encode_push_pull(begin_push_pull()) written straight from entries_: no key or origin copied.
  Bytes out;
  Sink sink{&out};
  Packer pk(sink);
  pack_push_pull_head(pk, PushPull::Kind::request, holding_back());
  pk.pack_array(static_cast<std::uint32_t>(entries_.size()));
  for (const auto& [key, e] : entries_) pack_digest_item(pk, key, e.version);
  pack_entries(pk, std::span<const Entry>{});
  return out;
}

PushPull Store::begin_push_pull() const {
  PushPull msg;
  msg.kind = PushPull::Kind::request;
  msg.digest = digest();
  msg.holding_back = holding_back();
  return msg;
}

std::optional<PushPull> Store::handle_push_pull(std::int64_t wall_us, const PushPull& msg) {
  switch (msg.kind) {
    case PushPull::Kind::request: {
      merge_each(wall_us, msg.entries);
      PushPull reply;
      reply.kind = PushPull::Kind::response;
      reply.digest = digest();
      reply.entries = missing_for(msg.digest);
      reply.holding_back = holding_back();
      return reply;
    }
    case PushPull::Kind::response: {
      merge_each(wall_us, msg.entries);
      if (!msg.holding_back) on_pull_succeeded(wall_us);
      PushPull reply;
      reply.kind = PushPull::Kind::final;
      reply.entries = missing_for(msg.digest);
      reply.holding_back = holding_back();
      return reply;
    }
    case PushPull::Kind::final:
      merge_each(wall_us, msg.entries);
      return std::nullopt;
  }
  return std::nullopt;
}

void Store::on_pull_succeeded(std::int64_t wall_us) { release(wall_us, true); }
void Store::on_cold_start(std::int64_t wall_us) { release(wall_us, false); }

void Store::release(std::int64_t wall_us, bool pulled) {
  if (held_.empty()) return;
  auto held = std::move(held_);
  held_.clear();
  const std::int64_t horizon = sat_sub(config_.tombstone_ttl_us, config_.max_clock_skew_us);
  for (auto& [key, e] : held) {
    if (pulled && age_us(e.version.hlc, wall_us) >= horizon) {
      ++stats_.held_back_dropped;
      continue;
    }
    hlc_.observe(e.version.hlc);
    if (const Entry* have = lookup(key); have != nullptr && !(have->version < e.version)) continue;
    if (buried_above(key, e.version.hlc, e.version.origin)) {  // deleted since: stays deleted
      ++stats_.held_back_dropped;
      continue;
    }
    graves_.forget(key);
    store_and_queue(std::move(e));
  }
}

void Store::bury(std::string_view key, const Version& version) {
  graves_.bury(key, version);
  stats_.graves_dropped = graves_.dropped();
}

bool Store::buried_above(std::string_view key, std::uint64_t hlc, std::string_view origin) const {
  const Version* grave = graves_.find(key);
  return grave != nullptr &&
         (grave->hlc > hlc || (grave->hlc == hlc && grave->origin >= origin));
}

namespace {
std::string_view key_of(const DigestItem& it) { return it.key; }
std::uint64_t hlc_of(const DigestItem& it) { return it.version.hlc; }
std::string_view origin_of(const DigestItem& it) { return it.version.origin; }
std::string_view key_of(const DigestView& it) { return it.key; }
std::uint64_t hlc_of(const DigestView& it) { return it.hlc; }
std::string_view origin_of(const DigestView& it) { return it.origin; }
}  // namespace

template <class Items>
std::vector<Entry> Store::graves_for(const Items& remote) const {
  std::vector<Entry> out;
  if (graves_.size() == 0) return out;
  // The remote's highest version of each buried key we hold no entry for: a key listed a
  // thousand times still gets one answer. Bounded by the graves.
  std::map<std::string_view, std::pair<std::uint64_t, std::string_view>> theirs;
  for (const auto& it : remote) {
    const std::string_view key = key_of(it);
    if (graves_.find(key) == nullptr || lookup(key) != nullptr) continue;
    const std::pair<std::uint64_t, std::string_view> v{hlc_of(it), origin_of(it)};
    auto [pos, inserted] = theirs.emplace(key, v);
    if (!inserted && pos->second < v) pos->second = v;
  }
  for (const auto& [key, v] : theirs) {  // the tombstone goes where the remote's is older
    const Version& grave = *graves_.find(key);
    // (string_view both sides: clang 14 with libstdc++ 12 has no string <=> string_view)
    if (grave.hlc > v.first ||
        (grave.hlc == v.first && std::string_view(grave.origin) > v.second))
      out.push_back(Entry{std::string(key), grave, true, {}});
  }
  return out;
}

std::string Store::status_key(std::string_view peer) {
  std::string k(kStatusPrefix);
  k.append(peer);
  return k;
}

bool Store::forget_member(std::string_view peer) {
  const std::string key = status_key(peer);
  dequeue(key);
  const bool held = held_.erase(key) > 0;
  erase_cell(key);  // before the node (and the key it views) goes
  if (entries_.erase(key) == 0) return held;
  changed_.insert(key);
  return true;
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

Bytes Store::snapshot() const {
  Bytes out;
  Sink sink{&out};
  Packer pk(sink);
  // Format 1 while nothing is buried (what older binaries read), else 2 with the graves.
  const bool graves = graves_.size() > 0;
  pk.pack_array(graves ? 5 : 4);
  pk.pack_uint64(graves ? kSnapshotGraves : kSnapshotFormat);
  pk.pack_uint64(hlc_.last());
  pk.pack_array(static_cast<std::uint32_t>(entries_.size()));
  for (const auto& [key, e] : entries_) pack_entry(pk, e);
  pk.pack_array(static_cast<std::uint32_t>(held_.size()));
  for (const auto& [key, e] : held_) pack_entry(pk, e);
  if (!graves) return out;
  pk.pack_array(static_cast<std::uint32_t>(graves_.size()));
  for (const auto& [key, v] : graves_.graves()) pack_digest_item(pk, key, v);
  return out;
}

Parsed<Store> Store::restore(ByteView snapshot, std::string self, StoreConfig config,
                             std::int64_t wall_us, HoldBack hold) {
  Reader r(snapshot);
  std::uint64_t format = 0, last = 0;
  std::vector<Entry> live, held;
  Digest graves;
  std::uint32_t fields = 0;
  bool ok = r.array(fields) && r.uint(format);
  if (ok && !((fields == 4 && format == kSnapshotFormat) || (fields == 5 && format == kSnapshotGraves)))
    ok = r.fail("unknown snapshot format");
  ok = ok && r.uint(last) && r.entries(live) && r.entries(held) &&
       (fields == 4 || r.digest(graves)) && r.finish();
  if (!ok) return Parsed<Store>::failure("snapshot: " + r.error());

  Store s(std::move(self), config);
  for (const Entry& e : live) last = std::max(last, e.version.hlc);
  for (const Entry& e : held) last = std::max(last, e.version.hlc);
  for (const DigestItem& g : graves.items) last = std::max(last, g.version.hlc);
  // The same bound the skew guard of merge() applies to the others' versions.
  std::int64_t cap_us = 0;
  if (sat_sub(Hlc::physical_us(last), wall_us) > config.max_clock_skew_us &&
      !__builtin_add_overflow(wall_us, config.max_clock_skew_us, &cap_us)) {
    s.restore_capped_from_ = last;
    last = Hlc::from_wall(cap_us);
  }
  s.hlc_.observe(last);
  bool hold_live = false;
  switch (hold) {
    case HoldBack::always: hold_live = true; break;
    case HoldBack::never: hold_live = false; break;
    case HoldBack::automatic:
      hold_live = age_us(last, wall_us) > config.tombstone_ttl_us;
      break;
  }
  auto put_max = [](std::map<std::string, Entry, std::less<>>& m, Entry e) {
    auto it = m.find(e.key);
    if (it == m.end()) m.emplace(e.key, std::move(e));
    else if (it->second.version < e.version) it->second = std::move(e);
  };
  for (Entry& e : held) put_max(s.held_, std::move(e));
  for (Entry& e : live) put_max(hold_live ? s.held_ : s.entries_, std::move(e));
  s.rebuild_index();
  for (const DigestItem& g : graves.items)
    if (s.lookup(g.key) == nullptr) s.bury(g.key, g.version);
  // A key may be both live and held back (snapshot taken while holding back): reads show the live
  // entry until the release, where the higher version wins as in any merge.
  return s;
}

}  // namespace shoal::gossip
