// The store to bytes and back (data_dir/state): entries, held-back entries and graves.
#include "gossip/store.hpp"

#include "gossip/store_codec.hpp"

namespace shoal::gossip {

using namespace store_codec;

Bytes Store::snapshot() const {
  Bytes out;
  AppendTo sink{&out};
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
  MsgpackReader r(snapshot);
  std::uint64_t format = 0, last = 0;
  std::vector<Entry> live, held;
  Digest graves;
  std::uint32_t fields = 0;
  bool ok = r.array(fields) && r.uint(format);
  if (ok && !((fields == 4 && format == kSnapshotFormat) || (fields == 5 && format == kSnapshotGraves)))
    ok = r.fail("unknown snapshot format");
  ok = ok && r.uint(last) && read_entries(r, live) && read_entries(r, held) &&
       (fields == 4 || read_digest(r, graves)) && r.finish();
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
