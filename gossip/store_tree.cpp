// The store's side of the broadcast tree: per-peer entries listed for the tree instead of the
// delta queue, and the batches a tree push or a graft answer carries.
#include <algorithm>

#include "gossip/store.hpp"
#include "gossip/store_codec.hpp"

namespace shoal::gossip {

using namespace store_codec;

void Store::set_tree_lane(bool on) {
  if (tree_lane_ == on) return;
  tree_lane_ = on;
  if (on) return;  // entries already queued as deltas finish their transmits
  std::vector<std::string> keys;
  keys.swap(fresh_);
  fresh_keys_.clear();
  for (const std::string& key : keys) refresh(key);
}

void Store::refresh(std::string_view key) {
  if (const std::size_t cell = find_cell(key, hash_of(key)); cell != kNoCell)
    enqueue(*cells_[cell].slot);
}

std::vector<Store::Fresh> Store::take_fresh() {
  std::vector<Fresh> out;
  out.reserve(fresh_.size());
  for (std::string& key : fresh_) {
    const Entry* e = lookup(key);
    if (e == nullptr) continue;  // forgotten with its member since
    Fresh f{std::move(key), e->version.hlc, {}};
    append_entry(f.encoded, *e);
    out.push_back(std::move(f));
  }
  fresh_.clear();
  fresh_keys_.clear();
  return out;
}

Bytes Store::batch_of(std::span<const Bytes* const> encoded) {
  std::size_t size = kBatchHeaderMax;
  for (const Bytes* e : encoded) size += e->size();
  Bytes out;
  out.reserve(size);
  AppendTo sink{&out};
  Packer pk(sink);
  pk.pack_array(static_cast<std::uint32_t>(encoded.size()));
  for (const Bytes* e : encoded) out.insert(out.end(), e->begin(), e->end());
  return out;
}

std::vector<Bytes> Store::batches_of(std::span<const std::string_view> keys,
                                     std::size_t budget_bytes) const {
  std::vector<Bytes> encoded;
  for (std::string_view key : keys)
    if (const Entry* e = lookup(key)) append_entry(encoded.emplace_back(), *e);
  std::vector<Bytes> out;
  std::vector<const Bytes*> batch;
  std::size_t size = kBatchHeaderMax;
  for (const Bytes& e : encoded) {
    if (!batch.empty() && (size + e.size() > budget_bytes || batch.size() == kBatchMaxCount)) {
      out.push_back(batch_of(batch));
      batch.clear();
      size = kBatchHeaderMax;
    }
    batch.push_back(&e);
    size += e.size();
  }
  if (!batch.empty()) out.push_back(batch_of(batch));
  return out;
}

}  // namespace shoal::gossip
