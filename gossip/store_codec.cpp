#include "gossip/store_codec.hpp"

namespace shoal::gossip {
namespace store_codec {

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

void append_entry(Bytes& out, const Entry& e) {
  AppendTo sink{&out};
  Packer pk(sink);
  pack_entry(pk, e);
}

namespace {

// Smallest encodings: an entry [key, hlc, origin, deleted, bin] and a digest item [key, hlc,
// origin] (a one-byte header each, and a two-byte bin).
constexpr std::size_t kMinEntryBytes = 7;
constexpr std::size_t kMinDigestItemBytes = 4;

bool read_entry_view(MsgpackReader& r, EntryView& e) {
  if (!r.array_of(5, "entry")) return false;
  if (!r.str(e.key, kMaxKeyBytes, "key")) return false;
  if (e.key.empty()) return r.fail("empty key");
  if (!r.uint(e.hlc)) return false;
  if (!r.str(e.origin, kMaxOriginBytes, "origin")) return false;
  if (e.origin.empty()) return r.fail("empty origin");
  if (!r.boolean(e.deleted)) return false;
  if (!r.bin(e.value, kMaxValueBytes, "value")) return false;
  if (e.deleted && !e.value.empty()) return r.fail("tombstone with a value");
  return true;
}

bool read_digest_view(MsgpackReader& r, DigestView& it) {
  return r.array_of(3, "digest item") && r.str(it.key, kMaxKeyBytes, "key") && r.uint(it.hlc) &&
         r.str(it.origin, kMaxOriginBytes, "origin");
}

}  // namespace

bool read_entry(MsgpackReader& r, Entry& e) {
  EntryView v;
  if (!read_entry_view(r, v)) return false;
  e.key.assign(v.key);
  e.version.hlc = v.hlc;
  e.version.origin.assign(v.origin);
  e.deleted = v.deleted;
  e.value.assign(v.value.begin(), v.value.end());
  return true;
}

bool read_entries(MsgpackReader& r, std::vector<Entry>& out) {
  std::uint32_t n = 0;
  if (!r.array(n)) return false;
  out.clear();
  out.reserve(r.at_most(n, kMinEntryBytes));
  for (std::uint32_t i = 0; i < n; ++i) {
    Entry e;
    if (!read_entry(r, e)) return false;
    out.push_back(std::move(e));
  }
  return true;
}

bool read_entry_views(MsgpackReader& r, std::vector<EntryView>& out) {
  std::uint32_t n = 0;
  if (!r.array(n)) return false;
  out.clear();
  out.reserve(r.at_most(n, kMinEntryBytes));
  for (std::uint32_t i = 0; i < n; ++i) {
    EntryView e;
    if (!read_entry_view(r, e)) return false;
    out.push_back(e);
  }
  return true;
}

bool read_digest(MsgpackReader& r, Digest& d) {
  std::uint32_t n = 0;
  if (!r.array(n)) return false;
  d.items.clear();
  d.items.reserve(r.at_most(n, kMinDigestItemBytes));
  for (std::uint32_t i = 0; i < n; ++i) {
    DigestView v;
    if (!read_digest_view(r, v)) return false;
    d.items.push_back(DigestItem{std::string(v.key), Version{v.hlc, std::string(v.origin)}});
  }
  return true;
}

bool read_digest_views(MsgpackReader& r, std::vector<DigestView>& out) {
  std::uint32_t n = 0;
  if (!r.array(n)) return false;
  out.clear();
  out.reserve(r.at_most(n, kMinDigestItemBytes));
  for (std::uint32_t i = 0; i < n; ++i) {
    DigestView v;
    if (!read_digest_view(r, v)) return false;
    out.push_back(v);
  }
  return true;
}

}  // namespace store_codec

using namespace store_codec;

Bytes encode_entries(std::span<const Entry> entries) {
  Bytes out;
  AppendTo sink{&out};
  Packer pk(sink);
  pack_entries(pk, entries);
  return out;
}

Parsed<std::vector<Entry>> decode_entries(ByteView bytes) {
  MsgpackReader r(bytes);
  std::vector<Entry> out;
  if (!read_entries(r, out) || !r.finish()) return Parsed<std::vector<Entry>>::failure(r.error());
  return out;
}

Bytes encode_digest(const Digest& digest) {
  Bytes out;
  AppendTo sink{&out};
  Packer pk(sink);
  pack_digest(pk, digest);
  return out;
}

Parsed<Digest> decode_digest(ByteView bytes) {
  MsgpackReader r(bytes);
  Digest d;
  if (!read_digest(r, d) || !r.finish()) return Parsed<Digest>::failure(r.error());
  return d;
}

Bytes encode_push_pull(const PushPull& msg) {
  Bytes out;
  AppendTo sink{&out};
  Packer pk(sink);
  pack_push_pull_head(pk, msg.kind, msg.holding_back);
  pack_digest(pk, msg.digest);
  pack_entries(pk, msg.entries);
  return out;
}

Parsed<PushPull> decode_push_pull(ByteView bytes) {
  MsgpackReader r(bytes);
  PushPull msg;
  std::uint64_t kind = 0;
  bool ok = r.array_of(4, "push-pull") && r.uint(kind);
  if (ok && kind > 2) ok = r.fail("unknown push-pull kind");
  ok = ok && r.boolean(msg.holding_back) && read_digest(r, msg.digest) && read_entries(r, msg.entries) &&
       r.finish();
  if (!ok) return Parsed<PushPull>::failure(r.error());
  msg.kind = static_cast<PushPull::Kind>(kind);
  return msg;
}

}  // namespace shoal::gossip
