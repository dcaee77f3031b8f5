// The store's encodings (msgpack): entries, digests, push-pulls and snapshots are written with
// msgpack-c's packer and read with the one bounded reader (msgpack_reader.hpp). Internal to the
// store's files; the public encode_/decode_ functions are declared in store.hpp.
#pragma once

#include <msgpack/pack.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "gossip/msgpack_reader.hpp"
#include "gossip/msgpack_writer.hpp"
#include "gossip/store.hpp"

namespace shoal::gossip::store_codec {

// msgpack-c's packer appending to Bytes (msgpack_writer.hpp's sink).
using Packer = msgpack::packer<AppendTo>;

void pack_str(Packer& pk, std::string_view s);
void pack_entry(Packer& pk, const Entry& e);
void pack_entries(Packer& pk, std::span<const Entry> entries);
void pack_digest_item(Packer& pk, std::string_view key, const Version& version);
void pack_digest(Packer& pk, const Digest& d);
void pack_push_pull_head(Packer& pk, PushPull::Kind kind, bool holding_back);
// Appends `e` alone (a batch element, no batch header) to `out`.
void append_entry(Bytes& out, const Entry& e);

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

// Readers of the shapes above. Each reserves no more than the bytes left could hold.
bool read_entry(MsgpackReader& r, Entry& e);
bool read_entries(MsgpackReader& r, std::vector<Entry>& out);
bool read_entry_views(MsgpackReader& r, std::vector<EntryView>& out);
bool read_digest(MsgpackReader& r, Digest& d);
bool read_digest_views(MsgpackReader& r, std::vector<DigestView>& out);

constexpr std::uint64_t kSnapshotFormat = 1;  // [1, clock, entries, held back]
constexpr std::uint64_t kSnapshotGraves = 2;  // [2, clock, entries, held back, graves]

// A batch header for up to 65,535 entries takes at most 3 bytes.
constexpr std::size_t kBatchHeaderMax = 3;
constexpr std::size_t kBatchMaxCount = 65535;

}  // namespace shoal::gossip::store_codec
