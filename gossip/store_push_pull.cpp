// Anti-entropy: the store's digest, what a remote digest lacks, a push-pull exchange (decoded
// or straight from the encoded bytes) and the tombstones of graves a remote still holds.
#include "gossip/store.hpp"

#include <algorithm>
#include <map>

#include "gossip/store_codec.hpp"

namespace shoal::gossip {

using namespace store_codec;

namespace {

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

}  // namespace

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
  MsgpackReader r(bytes);
  std::uint64_t kind = 0;
  bool remote_holding_back = false;
  std::vector<DigestView> digest;
  std::vector<EntryView> entries;
  bool ok = r.array_of(4, "push-pull") && r.uint(kind);
  if (ok && kind > 2) ok = r.fail("unknown push-pull kind");
  ok = ok && r.boolean(remote_holding_back) && read_digest_views(r, digest) &&
       read_entry_views(r, entries) && r.finish();
  if (!ok) return Parsed<Bytes>::failure(r.error());
  // handle_push_pull's steps, the reply written as encode_push_pull writes it.
  for (const EntryView& v : entries)
    merge_one(wall_us, v.key, hash_of(v.key), v.hlc, v.origin, v.deleted, v.value, nullptr);
  Bytes out;
  AppendTo sink{&out};
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
  AppendTo sink{&out};
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

}  // namespace shoal::gossip
