// The replicated key/value state that rides on gossip: a last-writer-wins map of string keys to
// byte values (`spec/<service>`, `status/<peer>`, anything), with tombstones, a dissemination
// queue for piggybacked deltas, per-key push-pull, snapshots and a pull-first mode.
//
// Pure and single-threaded: no clock, socket, file or log inside. Every call that needs time
// takes `wall_us` (microseconds since the Unix epoch, this peer's wall clock).
//
// Versions are (hlc, origin), compared hlc first, then origin; the higher version wins and an
// origin never issues one version twice, so merging is idempotent, commutative and associative:
// deltas may be lost, duplicated and reordered.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gossip/bytes.hpp"
#include "gossip/graveyard.hpp"
#include "gossip/hlc.hpp"
#include "gossip/version.hpp"

namespace shoal::gossip {

struct Entry {
  std::string key;
  Version version;
  bool deleted = false;  // a tombstone; `value` is then empty
  Bytes value;
  friend bool operator==(const Entry&, const Entry&) = default;
};

inline constexpr std::string_view kStatusPrefix = "status/";
// usage/<peer>: that peer's measured CPU and memory (node/peer/usage_summary.hpp). Owned like
// status/<peer>: written only by <peer>, dropped with its member, in the status lane.
inline constexpr std::string_view kUsagePrefix = "usage/";
// The owner of a per-peer key (status/<peer>, usage/<peer>), or nullopt for any other key.
std::optional<std::string_view> per_peer_owner(std::string_view key);

struct StoreConfig {
  // A remote version whose physical part is further than this ahead of our wall is refused.
  std::int64_t max_clock_skew_us = 10'000'000;
  // Tombstones older than this (by their version's physical time) are collected.
  std::int64_t tombstone_ttl_us = 7LL * 24 * 3600 * 1'000'000;
  // An entry whose encoding is larger than this never rides in a delta: it is queued as
  // "oversized" for the stream channel instead (and always travels in push-pull). Set it to the
  // share of a packet the engine reserves for state deltas.
  std::size_t max_delta_bytes = 1024;
  // The keys and versions of collected tombstones are remembered for one more tombstone_ttl
  // (the tombstone horizon, see Graveyard), in at most this many bytes.
  std::size_t max_grave_bytes = 16u << 20;
};

enum class MergeResult : std::uint8_t {
  applied,       // newer than what we had: stored and queued for broadcast
  stale,         // older than or equal to what we had: ignored
  refused_skew,  // physical time too far ahead of our wall clock: ignored and counted
  refuted,       // a newer version of our own key from a previous life of this peer (restarted
                 // without its disk) over our current write: we re-issued ours above it
  refused_foreign,  // a `status/<peer>` entry whose origin is not <peer>: ignored and counted
  refused_expired,  // for a key with no entry here: no newer than a collected tombstone of it
                    // (a resurrection), or itself a tombstone past tombstone_ttl (buried)
};

struct StoreStats {
  std::uint64_t applied = 0;
  std::uint64_t stale = 0;
  std::uint64_t refused_skew = 0;
  std::uint64_t refuted = 0;
  std::uint64_t refused_foreign = 0;
  std::uint64_t garbage_collected = 0;
  std::uint64_t held_back_dropped = 0;  // held-back entries discarded after a pull
  std::uint64_t refused_expired = 0;
  std::uint64_t graves_dropped = 0;  // graves forgotten early, over max_grave_bytes
};

// Push-pull by per-key versions (tombstones included).
struct DigestItem {
  std::string key;
  Version version;
  friend bool operator==(const DigestItem&, const DigestItem&) = default;
};
struct Digest {
  std::vector<DigestItem> items;  // sorted by key
  friend bool operator==(const Digest&, const Digest&) = default;
};

// One message of the push-pull exchange (over the stream channel):
//   A -> B  request  {digest_A}
//   B -> A  response {digest_B, entries A lacks}
//   A -> B  final    {entries B lacks}
struct PushPull {
  enum class Kind : std::uint8_t { request = 0, response = 1, final = 2 };
  Kind kind = Kind::request;
  Digest digest;                // request, response
  std::vector<Entry> entries;   // response, final
  bool holding_back = false;    // the sender is itself pull-first: its answer is not authoritative
  friend bool operator==(const PushPull&, const PushPull&) = default;
};

// How restore() treats the persisted copy.
enum class HoldBack : std::uint8_t {
  automatic,  // hold back iff the snapshot's newest timestamp is older than tombstone_ttl
  always,     // hold back (pull-first)
  never,      // use the persisted copy at once
};

struct MergeCounts {
  std::size_t applied = 0, stale = 0, refused_skew = 0, refuted = 0, refused_foreign = 0,
              refused_expired = 0;
};

class Store {
 public:
  explicit Store(std::string self, StoreConfig config = {});
  // Movable, not copyable: the delta queue holds pointers into the index.
  Store(Store&&) = default;
  Store& operator=(Store&&) = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& self() const { return self_; }
  const StoreConfig& config() const { return config_; }
  const StoreStats& stats() const { return stats_; }
  std::uint64_t clock() const { return hlc_.last(); }
  // How far the physical part of this store's clock lies ahead of `wall_us` (negative: behind).
  // Every local write carries at least that time, so while it exceeds max_clock_skew each peer
  // whose clock agrees with this wall refuses this peer's writes (a clock stepped forward and
  // back: the HLC never goes back).
  std::int64_t clock_ahead_us(std::int64_t wall_us) const;

  // ---- Local writes: tick the HLC, store, queue for broadcast. The new version is greater
  // than every version this store holds or has observed.
  Version put(std::int64_t wall_us, std::string key, Bytes value);
  Version erase(std::int64_t wall_us, std::string key);  // writes a tombstone

  // ---- Remote entries (from deltas, the stream channel or push-pull).
  MergeResult merge(std::int64_t wall_us, Entry entry);
  MergeCounts merge_all(std::int64_t wall_us, std::vector<Entry> entries);
  // Decode a batch (take_deltas()/take_oversized() bytes) and merge it.
  Parsed<MergeCounts> merge_encoded(std::int64_t wall_us, ByteView batch);

  // ---- Reads. Ordered by key.
  const std::map<std::string, Entry, std::less<>>& entries() const { return entries_; }
  const Entry* find(std::string_view key) const;   // tombstones included
  const Bytes* get(std::string_view key) const;    // live values only
  std::optional<Version> version_of(std::string_view key) const;  // tombstones included
  std::uint64_t held_hlc(std::string_view key) const;  // its version's hlc; 0 for no entry
  // Live keys starting with `prefix` and their versions, ordered by key.
  std::vector<std::pair<std::string, Version>> versions_with_prefix(std::string_view prefix) const;
  // The view-hash input: versions of the live `spec/` keys.
  std::vector<std::pair<std::string, Version>> spec_versions() const {
    return versions_with_prefix("spec/");
  }

  // Keys whose entry changed (local write, applied merge, refutation, release of held-back
  // entries, forget_member) since the last call, sorted; for the engine's events and the
  // reconciler. Tombstone collection is not a change (the key already read as absent).
  std::vector<std::string> take_changed();

  // ---- Dissemination (piggybacked deltas, lossy and unordered).
  // An encoded batch (decode_entries) of queued entries, never larger than `budget_bytes`,
  // least-transmitted first (newest first among equals). Each entry taken counts one
  // transmission; it leaves the queue after `retransmit_limit` of them. Empty when nothing fits.
  Bytes take_deltas(std::size_t budget_bytes, int retransmit_limit);
  // Entries too large for a delta (see StoreConfig::max_delta_bytes), each as its own encoded
  // batch, for the stream channel. Returned once; push-pull carries them anyway.
  std::vector<Bytes> take_oversized();
  std::size_t pending_deltas() const { return queued_; }
  std::size_t pending_oversized() const { return oversized_.size(); }
  // memberlist's retransmit_mult * ceil(log10(n + 1)), in integers, at least 1.
  static int retransmit_limit(int retransmit_mult, std::size_t members);

  // ---- The broadcast tree (gossip/tree.hpp). While on, per-peer entries (status/, usage/)
  // that fit a delta skip the delta queue and are listed for take_fresh() instead; turning it
  // off queues the listed ones as deltas. Oversized entries take the stream channel either way.
  void set_tree_lane(bool on);
  bool tree_lane() const { return tree_lane_; }
  struct Fresh {
    std::string key;
    std::uint64_t hlc = 0;
    Bytes encoded;  // the entry alone (a batch element, no batch header)
  };
  // Per-peer entries changed since the last call (local writes, merges), each key once at its
  // current version, in the order they changed.
  std::vector<Fresh> take_fresh();
  // Lists `key` again (tree lane on) or queues it as a delta (off), at its current version.
  void refresh(std::string_view key);
  std::size_t pending_fresh() const { return fresh_.size(); }
  // The current entries of `keys` (those held, live or tombstone), as encoded batches of at
  // most `budget_bytes` each (an entry larger than that alone in its batch).
  std::vector<Bytes> batches_of(std::span<const std::string_view> keys,
                                std::size_t budget_bytes) const;
  // An encoded batch of already encoded entries (Fresh::encoded).
  static Bytes batch_of(std::span<const Bytes* const> encoded);

  // ---- Push-pull.
  Digest digest() const;  // every live and tombstoned key with its version (held-back excluded)
  std::vector<Entry> missing_for(const Digest& remote) const;  // what the remote lacks or has older
  PushPull begin_push_pull() const;  // the request
  Bytes encode_request() const;      // encode_push_pull(begin_push_pull()), without the copies
  // Merge what `msg` carries and return the reply to send (none after a `final`). A response
  // from a peer that is not itself holding back counts as a successful pull (releases held-back
  // entries, see below) before the final reply is computed.
  std::optional<PushPull> handle_push_pull(std::int64_t wall_us, const PushPull& msg);
  // The same on the encoded message, answering with the encoded reply (empty: none): exactly
  // encode_push_pull(*handle_push_pull(wall_us, *decode_push_pull(bytes))), without copying
  // the digests or entries on either side. A malformed message changes nothing.
  Parsed<Bytes> handle_push_pull_encoded(std::int64_t wall_us, ByteView bytes);

  // ---- Pull-first. A store restored with held-back entries keeps them out of reads, digests
  // and deltas until either the first successful pull (on_pull_succeeded: the cluster's state is
  // authoritative; a held-back entry is merged only if younger than tombstone_ttl -
  // max_clock_skew, i.e. if no tombstone that superseded it can have been collected yet; older
  // ones are dropped) or a cold start where nobody answered (on_cold_start: all are merged).
  // The engine calls on_cold_start when its join's pull attempts got no authoritative answer.
  // Local writes while holding back are allowed and beat the held-back versions.
  bool holding_back() const { return !held_.empty(); }
  std::size_t held_back_count() const { return held_.size(); }
  void on_pull_succeeded(std::int64_t wall_us);
  void on_cold_start(std::int64_t wall_us);

  // ---- Membership: `status/<peer>` (and `usage/<peer>`) lives as long as its member and is
  // written only by <peer> (merge refuses other origins). forget_member drops both locally, no
  // tombstone; the engine
  // should also ignore status entries of peers that are not (or no longer) members.
  static std::string status_key(std::string_view peer);
  static std::string usage_key(std::string_view peer);
  bool forget_member(std::string_view peer);

  // ---- Tombstones older than tombstone_ttl (by version time) are removed. Returns the count.
  // Their keys and versions stay as graves until 2 * tombstone_ttl (the tombstone horizon):
  // merge refuses what they supersede for a key with no entry, and a push-pull answers a peer
  // whose digest holds an older version of a buried key with the tombstone (Graveyard).
  std::size_t collect_garbage(std::int64_t wall_us);
  std::size_t graves() const { return graves_.size(); }
  std::size_t grave_bytes() const { return graves_.bytes(); }

  // ---- Persistence (node/ writes the file). Held-back entries stay held back across restore.
  Bytes snapshot() const;
  // The restored clock is capped at wall_us + max_clock_skew: a clock stepped forward once
  // must not make every later local write one the others refuse (skew guard).
  static Parsed<Store> restore(ByteView snapshot, std::string self, StoreConfig config,
                               std::int64_t wall_us, HoldBack hold = HoldBack::automatic);
  // After restore: the clock it held when that was capped (for a warning), else 0.
  std::uint64_t restore_capped_from() const { return restore_capped_from_; }

 private:
  // Per key of entries_, reached with one hash: its entry and its place in the delta queue.
  struct Slot {
    Entry* entry = nullptr;  // the node in entries_ (map nodes never move)
    int transmits = -1;      // in the delta queue iff >= 0: then in lanes_[lane][transmits]
    std::uint8_t lane = 0;   // kLaneState or kLaneStatus (by the key)
    std::uint64_t seq = 0;   // its insertion seq there
    Bytes encoded;           // while queued: the entry alone (a batch element, no batch header)
  };
  // The delta queue's send order is (lane, transmits ascending, insertion seq descending): per
  // lane one bucket per transmit count, each a vector ascending by seq (newest at the back), so
  // a new entry is a push_back and a take walks contiguous memory from the back of bucket 0 on.
  // A removed item stays as a hole (slot null) until the bucket is compacted. `status/` keys
  // (each peer's report, rewritten at every change) go in the second lane: a steady stream of
  // them must not starve desired state (`spec/`) and other keys, which then wait behind every
  // fresh status (1,000 peers starting 2,000 instances: specs reached everyone after ~75 s).
  static constexpr std::uint8_t kLaneState = 0, kLaneStatus = 1;
  struct Queued {
    std::uint64_t seq;
    std::size_t size;  // of the slot's encoded entry
    Slot* slot;        // null: a hole
  };
  struct Bucket {
    std::vector<Queued> items;
    std::size_t holes = 0;
  };
  // The key index: open addressing with linear probing (load at most 1/2). A cell is one cache
  // line holding the key's hash and first bytes and its entry's version (the origin when short),
  // so a lookup of a short key touches one cell, and a merge of a version no newer than ours
  // (the common case: every delta arrives many times) is rejected without touching the entry.
  static constexpr std::size_t kKeyHead = 16;
  static constexpr std::size_t kOriginHead = 11;
  struct alignas(64) Cell {
    std::uint64_t hash = 0;
    std::uint64_t hlc = 0;       // entry->version.hlc, kept in step with it (note_version)
    Entry* entry = nullptr;      // null: a free cell
    std::unique_ptr<Slot> slot;  // the queue state (its address is stable: lanes_ point at it)
    std::uint32_t key_size = 0;
    std::uint8_t origin_size = 0;  // entry->version.origin's size, if <= kOriginHead (else more)
    char key_head[kKeyHead] = {};  // the key's first bytes (the rest: entry->key)
    char origin_head[kOriginHead] = {};
    bool has(std::string_view key) const;
    void note_version(const Version& v);
    // Whether (hlc, origin) is no newer than the entry's version, when the cell alone can tell.
    bool surely_not_newer(std::uint64_t hlc, std::string_view origin) const;
  };
  static constexpr std::size_t kNoCell = SIZE_MAX;
  static std::uint64_t hash_of(std::string_view key);
  std::size_t find_cell(std::string_view key, std::uint64_t hash) const;
  Slot& add_cell(std::string_view key, std::uint64_t hash, Entry* entry);
  void erase_cell(std::string_view key);

  // The body of merge() and merge_encoded(), on views of the incoming entry. `owned`, when set,
  // is the same entry as an Entry whose strings may be moved from. `hash` is hash_of(key).
  MergeResult merge_one(std::int64_t wall_us, std::string_view key, std::uint64_t hash,
                        std::uint64_t hlc, std::string_view origin, bool deleted, ByteView value,
                        Entry* owned);
  // Starts loading the cell where a lookup of `hash` begins (a hint: nothing changes).
  void prefetch_cell(std::uint64_t hash) const;
  // merge() of each entry, copying only what is stored.
  void merge_each(std::int64_t wall_us, const std::vector<Entry>& entries);
  // Store `entry` (replacing what its key had) and queue it; insert_and_queue for a new key
  // whose hash_of() is `hash`.
  void store_and_queue(Entry entry);
  void insert_and_queue(Entry entry, std::uint64_t hash);
  // The entry of `slot` changed in place: queue it anew.
  void requeue(Slot& slot);
  void enqueue(Slot& slot);
  void unqueue(Slot& slot);  // from the delta queue only (frees the encoded entry)
  void punch(Slot& slot);    // leave a hole where the slot's queued item is
  void compact(Bucket& bucket);
  void dequeue(std::string_view key);  // from the delta and oversized queues
  void mark_changed(std::string_view key);
  void release(std::int64_t wall_us, bool pulled);
  void bury(std::string_view key, const Version& version);
  // Whether a grave of `key` supersedes (hlc, origin): the version is no newer than the grave.
  bool buried_above(std::string_view key, std::uint64_t hlc, std::string_view origin) const;
  // The tombstones to send a peer whose digest lists buried keys of ours at older versions (each
  // key once, in key order). `Items` is a vector of DigestItem or of decoded digest views.
  template <class Items>
  std::vector<Entry> graves_for(const Items& remote) const;
  void count_size(std::size_t size, int delta);
  std::size_t smallest_queued();
  // entries_ by key through cells_ (a hash lookup instead of a walk of string compares).
  Entry* lookup(std::string_view key);
  const Entry* lookup(std::string_view key) const;
  void rebuild_index();

  std::string self_;
  StoreConfig config_;
  Hlc hlc_;
  std::uint64_t restore_capped_from_ = 0;
  StoreStats stats_;
  Graveyard graves_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::map<std::string, Entry, std::less<>> held_;
  // Key -> its entry and slot (see Cell). Only ever looked up, never iterated, so its order
  // cannot reach any output.
  std::vector<Cell> cells_;
  std::size_t cells_used_ = 0;
  std::array<std::vector<Bucket>, 2> lanes_;
  std::vector<Bucket>& lane_of(const Slot& slot) { return lanes_[slot.lane]; }
  std::size_t queued_ = 0;  // live items in lanes_
  // Encoded size -> how many queued entries have it (sizes are below max_delta_bytes), and a
  // lower bound of the smallest queued size: a take stops once no queued entry can fit.
  std::vector<std::uint32_t> size_counts_;
  std::size_t smallest_ = SIZE_MAX;
  std::map<std::string, Bytes, std::less<>> oversized_;
  bool tree_lane_ = false;
  std::vector<std::string> fresh_;                    // keys, in the order they changed
  std::set<std::string, std::less<>> fresh_keys_;     // the same, for lookups
  std::set<std::string, std::less<>> changed_;
  std::uint64_t next_seq_ = 0;
  // collect_garbage() walks every entry only when a tombstone may be due: after a walk,
  // tombstones_known_ holds and oldest_tombstone_ is the lowest hlc of a tombstone left
  // (UINT64_MAX: none); every tombstone written since (all go through enqueue) lowers it.
  bool tombstones_known_ = false;
  std::uint64_t oldest_tombstone_ = UINT64_MAX;
};

// ---- Encoding (msgpack). Decoders bounds-check everything and return an error on malformed
// input; they never throw and never read out of bounds.
inline constexpr std::size_t kMaxKeyBytes = 4096;
inline constexpr std::size_t kMaxOriginBytes = 1024;
inline constexpr std::size_t kMaxValueBytes = 16u << 20;

Bytes encode_entries(std::span<const Entry> entries);
Parsed<std::vector<Entry>> decode_entries(ByteView bytes);
Bytes encode_digest(const Digest& digest);
Parsed<Digest> decode_digest(ByteView bytes);
Bytes encode_push_pull(const PushPull& msg);
Parsed<PushPull> decode_push_pull(ByteView bytes);

}  // namespace shoal::gossip
