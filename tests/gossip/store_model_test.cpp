// The store's delta queue against a plain model of its documented order: every queued entry has
// (lane, transmits, insertion seq), lane 1 for `status/` keys and 0 for all others; a take walks
// them by lane, then transmits ascending, newest first among equals, takes what fits, gives up after 64 misses in a row, and drops an entry once it went
// out `limit` times. A re-queued key restarts at 0 transmits as the newest. Entries too large
// for a delta go to the oversized queue instead. The store's take_deltas bytes must equal the
// model's for any sequence of writes, merges, takes, forgets and garbage collections. (The limit
// may change between takes, as the member count does: an entry leaves when a take sends it with
// its count reaching the limit of that take.)
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "gossip/store.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;
using namespace store_test;

namespace {

class QueueModel {
 public:
  explicit QueueModel(std::size_t max_delta_bytes) : max_delta_bytes_(max_delta_bytes) {}

  // `e` was stored (written, merged or refuted): queue it anew.
  void enqueue(const Entry& e) {
    Bytes batch = encode_entries(std::vector<Entry>{e});
    Bytes alone(batch.begin() + 1, batch.end());  // a batch of one has a 1-byte header
    remove(e.key);
    if (alone.size() + 3 > max_delta_bytes_) {
      oversized_[e.key] = batch;
      return;
    }
    oversized_.erase(e.key);
    queue_.push_back(Item{0, next_seq_++, e.key, std::move(alone)});
  }
  void dequeue(const std::string& key) {
    remove(key);
    oversized_.erase(key);
  }

  Bytes take(std::size_t budget, int limit) {
    if (queue_.empty() || budget <= 3) return {};
    const auto lane = [](const Item& it) { return it.key.starts_with(kStatusPrefix) ? 1 : 0; };
    std::sort(queue_.begin(), queue_.end(), [&](const Item& a, const Item& b) {
      if (lane(a) != lane(b)) return lane(a) < lane(b);
      return a.transmits != b.transmits ? a.transmits < b.transmits : a.seq > b.seq;
    });
    std::size_t room = budget - 3;
    std::vector<std::size_t> chosen;
    int misses = 0;
    for (std::size_t i = 0; i < queue_.size() && misses < 64; ++i) {
      if (queue_[i].encoded.size() > room) {
        ++misses;
        continue;
      }
      misses = 0;
      room -= queue_[i].encoded.size();
      chosen.push_back(i);
    }
    if (chosen.empty()) return {};
    // The batch header: a msgpack fixarray below 16 entries, an array16 from there.
    Bytes out;
    if (chosen.size() < 16) {
      out.push_back(static_cast<std::byte>(0x90 | chosen.size()));
    } else {
      out.push_back(std::byte{0xdc});
      out.push_back(static_cast<std::byte>(chosen.size() >> 8));
      out.push_back(static_cast<std::byte>(chosen.size() & 0xff));
    }
    for (std::size_t i : chosen) {
      out.insert(out.end(), queue_[i].encoded.begin(), queue_[i].encoded.end());
      if (++queue_[i].transmits >= limit) queue_[i].key.clear();  // sent for the last time
    }
    std::erase_if(queue_, [](const Item& it) { return it.key.empty(); });
    return out;
  }

  std::size_t pending() const { return queue_.size(); }
  std::vector<Bytes> take_oversized() {
    std::vector<Bytes> out;
    for (auto& [key, b] : oversized_) out.push_back(std::move(b));
    oversized_.clear();
    return out;
  }

 private:
  struct Item {
    int transmits;
    std::uint64_t seq;
    std::string key;
    Bytes encoded;
  };
  void remove(const std::string& key) {
    std::erase_if(queue_, [&](const Item& it) { return it.key == key; });
  }
  std::size_t max_delta_bytes_;
  std::vector<Item> queue_;
  std::map<std::string, Bytes> oversized_;
  std::uint64_t next_seq_ = 0;
};

}  // namespace

TEST_CASE("store model: take_deltas sends exactly what the plain queue model sends (property)",
          "[store][queue][model]") {
  const std::uint64_t seed = GENERATE(31, 32, 33, 34, 35);
  // Few keys (re-queued often) or many (long queues, many holes, compaction).
  const std::uint64_t keys = GENERATE(30, 400);
  INFO("seed " << seed << " keys " << keys);
  TestRng rng(seed);
  StoreConfig cfg;
  cfg.max_delta_bytes = 300;
  cfg.tombstone_ttl_us = 20 * kSecond;
  Store s("me", cfg);
  QueueModel model(cfg.max_delta_bytes);
  static const char* const kPeers[] = {"a", "b", "c", "me"};
  std::int64_t wall = kT0;
  std::size_t taken = 0, oversized = 0;
  for (int step = 0; step < 3000; ++step) {
    wall += static_cast<std::int64_t>(rng.below(200'000));
    switch (rng.below(10)) {
      case 0:
      case 1: {  // a local write (sometimes too large for a delta)
        const std::string key = "k" + std::to_string(rng.below(keys));
        const std::size_t size = rng.chance(10) ? 300 + rng.below(100) : rng.below(120);
        s.put(wall, key, filled(size, rng.next()));
        model.enqueue(*s.find(key));
        break;
      }
      case 2: {
        const std::string key = "k" + std::to_string(rng.below(keys));
        s.erase(wall, key);
        model.enqueue(*s.find(key));
        break;
      }
      case 3:
      case 4: {  // a remote batch, through merge_encoded or merge
        std::vector<Entry> batch;
        for (int i = 0, n = 1 + static_cast<int>(rng.below(4)); i < n; ++i) {
          Entry e;
          const std::string origin = kPeers[rng.below(4)];
          e.key = rng.chance(50) ? Store::status_key(rng.chance(90) ? origin : std::string("b"))
                                 : "k" + std::to_string(rng.below(keys));
          e.version = Version{Hlc::from_wall(wall - static_cast<std::int64_t>(rng.below(3)) *
                                                        kSecond) + rng.below(4),
                              origin};
          e.deleted = rng.chance(10);
          if (!e.deleted) e.value = filled(rng.below(150), rng.next());
          batch.push_back(std::move(e));
        }
        for (const Entry& e : batch) {
          bool stored = false;  // applied or refuted: the key was queued anew
          if (rng.chance(50)) {
            const MergeResult r = s.merge(wall, e);
            stored = r == MergeResult::applied || r == MergeResult::refuted;
          } else {
            auto c = s.merge_encoded(wall, encode_entries(std::vector<Entry>{e}));
            REQUIRE(c.ok());
            stored = c->applied + c->refuted == 1;
          }
          if (stored) model.enqueue(*s.find(e.key));
        }
        break;
      }
      case 5: {  // a member leaves
        const std::string peer = kPeers[rng.below(3)];
        s.forget_member(peer);
        model.dequeue(Store::status_key(peer));
        break;
      }
      case 6: {  // tombstone collection
        std::vector<std::string> before;
        for (const auto& [key, e] : s.entries()) before.push_back(key);
        s.collect_garbage(wall);
        for (const std::string& key : before) {
          if (s.find(key) == nullptr) model.dequeue(key);
        }
        break;
      }
      default: {  // a take
        const std::size_t budget = rng.below(keys > 100 ? 1500 : 500);
        const int limit = 1 + static_cast<int>(rng.below(4));
        const Bytes got = s.take_deltas(budget, limit);
        REQUIRE(got == model.take(budget, limit));
        if (!got.empty()) ++taken;
        if (rng.chance(10)) {
          const auto o = s.take_oversized();
          REQUIRE(o == model.take_oversized());
          oversized += o.size();
        }
        break;
      }
    }
    REQUIRE(s.pending_deltas() == model.pending());
  }
  CHECK(taken > 100);
  CHECK(oversized > 0);
}

TEST_CASE("store queue: desired state is not starved by a stream of fresh statuses") {
  // A spec written first, then 200 statuses merged from other peers, each newer: the spec still
  // leaves in the first batch, and in every batch until its transmits are done, ahead of them.
  Store s("me");
  s.put(kT0, "spec/web", filled(300, 1));
  for (int i = 0; i < 200; ++i) {
    Entry e;
    e.key = Store::status_key("p" + std::to_string(i));
    e.version = Version{static_cast<std::uint64_t>(i + 1), "p" + std::to_string(i)};
    e.value = filled(40, static_cast<std::uint64_t>(i));
    REQUIRE(s.merge(kT0 + i + 1, e) == MergeResult::applied);
  }
  const int limit = 3;
  for (int round = 0; round < limit; ++round) {
    auto batch = decode_entries(s.take_deltas(400, limit));
    REQUIRE(batch.ok());
    REQUIRE(!batch.value().empty());
    CHECK(batch.value()[0].key == "spec/web");
  }
  // Its transmits done, statuses take the whole room.
  auto batch = decode_entries(s.take_deltas(400, limit));
  REQUIRE(batch.ok());
  for (const auto& e : batch.value()) CHECK(e.key.starts_with("status/"));
}

TEST_CASE("store: encode_request is the encoded begin_push_pull, byte for byte") {
  TestRng rng(77);
  Store s("me");
  CHECK(s.encode_request() == encode_push_pull(s.begin_push_pull()));  // empty
  for (int i = 0; i < 300; ++i) {
    const std::string key = (rng.chance(50) ? "spec/" : "k/") + std::to_string(rng.below(120));
    if (rng.chance(20)) s.erase(kT0 + i, key);
    else s.put(kT0 + i, key, filled(rng.below(200), rng.next()));
  }
  CHECK(s.encode_request() == encode_push_pull(s.begin_push_pull()));
  // Restored pull-first: held-back entries stay out of both.
  auto held = Store::restore(s.snapshot(), "me", {}, kT0 + 1000, HoldBack::always);
  REQUIRE(held.ok());
  held.value().put(kT0 + 2000, "fresh", filled(10, 1));
  CHECK(held.value().holding_back());
  CHECK(held.value().encode_request() == encode_push_pull(held.value().begin_push_pull()));
}
