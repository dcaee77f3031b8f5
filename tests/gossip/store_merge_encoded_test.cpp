// The store's fast paths (merge_encoded rejecting stale entries without copying them, the hash
// index behind find(), the delta queue's send order) must behave exactly as the plain paths.
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

Entry random_entry(TestRng& rng, std::int64_t wall) {
  static const char* const kOrigins[] = {"a", "b", "c", "me"};
  Entry e;
  const std::string origin = kOrigins[rng.below(4)];
  switch (rng.below(3)) {
    case 0: e.key = "spec/s" + std::to_string(rng.below(8)); break;
    case 1: e.key = Store::status_key(rng.chance(80) ? origin : std::string("b")); break;
    default: e.key = "k" + std::to_string(rng.below(20)); break;
  }
  // Mostly near the wall (many ties and stale versions), sometimes far ahead (refused for skew).
  const std::int64_t phys = rng.chance(5) ? wall + 3600 * kSecond
                                          : wall - static_cast<std::int64_t>(rng.below(4)) * kSecond;
  e.version = Version{Hlc::from_wall(phys) + rng.below(3), origin};
  e.deleted = rng.chance(15);
  if (!e.deleted) e.value = filled(rng.below(3) == 0 ? 0 : rng.below(200), rng.next());
  return e;
}

void check_same(Store& fast, Store& plain) {
  REQUIRE(fast.entries() == plain.entries());
  REQUIRE(fast.clock() == plain.clock());
  REQUIRE(fast.stats().applied == plain.stats().applied);
  REQUIRE(fast.stats().stale == plain.stats().stale);
  REQUIRE(fast.stats().refused_skew == plain.stats().refused_skew);
  REQUIRE(fast.stats().refuted == plain.stats().refuted);
  REQUIRE(fast.stats().refused_foreign == plain.stats().refused_foreign);
  REQUIRE(fast.take_changed() == plain.take_changed());
  for (const auto& [key, e] : plain.entries()) {
    REQUIRE(fast.find(key) != nullptr);
    REQUIRE(*fast.find(key) == e);
  }
}

}  // namespace

TEST_CASE("store merge_encoded: merge_encoded agrees with decode + merge_all (property)",
          "[store][merge_encoded]") {
  const std::uint64_t seed = GENERATE(21, 22, 23, 24);
  INFO("seed " << seed);
  TestRng rng(seed);
  Store fast("me"), plain("me");
  std::int64_t wall = kT0;
  for (int round = 0; round < 300; ++round) {
    wall += static_cast<std::int64_t>(rng.below(3)) * kSecond / 2;
    if (rng.chance(20)) {  // a local write on both
      const std::string key = "k" + std::to_string(rng.below(20));
      const Bytes value = filled(rng.below(50), rng.next());
      REQUIRE(fast.put(wall, key, value) == plain.put(wall, key, value));
    }
    std::vector<Entry> batch;
    for (int i = 0, n = static_cast<int>(rng.below(6)); i < n; ++i) {
      batch.push_back(random_entry(rng, wall));
      if (rng.chance(30)) batch.push_back(batch.back());  // duplicates within a batch
    }
    const Bytes encoded = encode_entries(batch);
    auto counts = fast.merge_encoded(wall, encoded);
    REQUIRE(counts.ok());
    const MergeCounts want = plain.merge_all(wall, batch);
    CHECK(counts->applied == want.applied);
    CHECK(counts->stale == want.stale);
    CHECK(counts->refused_skew == want.refused_skew);
    CHECK(counts->refuted == want.refuted);
    CHECK(counts->refused_foreign == want.refused_foreign);
    check_same(fast, plain);
    // The queues hold the same entries in the same order.
    const std::size_t budget = rng.below(900);
    REQUIRE(fast.take_deltas(budget, 3) == plain.take_deltas(budget, 3));
    REQUIRE(fast.pending_deltas() == plain.pending_deltas());
  }
  CHECK(fast.stats().stale > 0);
  CHECK(fast.stats().applied > 0);
}

TEST_CASE("store merge_encoded: a malformed batch merges nothing", "[store][merge_encoded]") {
  Store s("me");
  std::vector<Entry> batch = {Entry{"k1", Version{Hlc::from_wall(kT0), "a"}, false, bytes_of("x")},
                              Entry{"k2", Version{Hlc::from_wall(kT0), "a"}, false, bytes_of("y")}};
  Bytes encoded = encode_entries(batch);
  encoded.pop_back();  // the second entry's value is cut short
  auto r = s.merge_encoded(kT0, encoded);
  CHECK_FALSE(r.ok());
  CHECK(s.entries().empty());
  CHECK(s.find("k1") == nullptr);
  CHECK(s.pending_deltas() == 0);
}

TEST_CASE("store merge_encoded: find() follows forget_member, garbage collection and restore",
          "[store][merge_encoded]") {
  StoreConfig cfg;
  cfg.tombstone_ttl_us = 10 * kSecond;
  Store s("me", cfg);
  s.put(kT0, "a", bytes_of("1"));
  s.erase(kT0, "b");
  s.put(kT0, Store::status_key("me"), bytes_of("up"));
  REQUIRE(s.merge(kT0, Entry{Store::status_key("p"), Version{Hlc::from_wall(kT0), "p"}, false,
                             bytes_of("up")}) == MergeResult::applied);
  REQUIRE(s.find(Store::status_key("p")) != nullptr);
  CHECK(s.forget_member("p"));
  CHECK(s.find(Store::status_key("p")) == nullptr);
  REQUIRE(s.find("b") != nullptr);
  CHECK(s.collect_garbage(kT0 + 11 * kSecond) == 1);
  CHECK(s.find("b") == nullptr);
  CHECK(s.get("a") != nullptr);

  auto restored = Store::restore(s.snapshot(), "me", cfg, kT0 + 11 * kSecond, HoldBack::never);
  REQUIRE(restored.ok());
  Store moved = std::move(restored).value();  // the index survives a move
  REQUIRE(moved.get("a") != nullptr);
  CHECK(*moved.get("a") == bytes_of("1"));
  CHECK(moved.find(Store::status_key("me")) != nullptr);
  CHECK(moved.find("b") == nullptr);
  // A stale copy of "a" is recognised through the index: nothing changes.
  const Version va = *moved.version_of("a");
  auto counts = moved.merge_encoded(
      kT0 + 11 * kSecond, encode_entries(std::vector<Entry>{Entry{"a", Version{va.hlc - 1, "me"},
                                                                  false, bytes_of("old")}}));
  REQUIRE(counts.ok());
  CHECK(counts->stale == 1);
  CHECK(*moved.get("a") == bytes_of("1"));
}

TEST_CASE("store merge_encoded: missing_for walks a sorted digest as it looks up an unsorted one "
          "(property)", "[store][merge_encoded]") {
  const std::uint64_t seed = GENERATE(41, 42, 43);
  INFO("seed " << seed);
  TestRng rng(seed);
  Store s("me");
  for (int i = 0; i < 200; ++i) {
    Entry e = random_entry(rng, kT0);
    s.merge(kT0, std::move(e));
  }
  for (int round = 0; round < 50; ++round) {
    // A remote digest: some of our keys with older, equal or newer versions, some keys we lack,
    // some keys twice (the higher version counts).
    Digest d;
    for (const auto& [key, e] : s.entries()) {
      if (rng.chance(30)) continue;
      Version v = e.version;
      switch (rng.below(3)) {
        case 0: v.hlc -= 1; break;
        case 1: break;
        default: v.hlc += 1; break;
      }
      d.items.push_back(DigestItem{key, v});
      if (rng.chance(10)) d.items.push_back(DigestItem{key, Version{v.hlc + rng.below(3) - 1, "a"}});
    }
    for (int i = 0, n = static_cast<int>(rng.below(5)); i < n; ++i) {
      d.items.push_back(DigestItem{"zz" + std::to_string(rng.below(10)), Version{1, "a"}});
    }
    std::sort(d.items.begin(), d.items.end(),
              [](const DigestItem& a, const DigestItem& b) { return a.key < b.key; });
    // The plain answer: per key, the remote's highest version against ours.
    std::map<std::string, Version> theirs;
    for (const DigestItem& it : d.items) {
      auto [pos, inserted] = theirs.emplace(it.key, it.version);
      if (!inserted && pos->second < it.version) pos->second = it.version;
    }
    std::vector<Entry> want;
    for (const auto& [key, e] : s.entries()) {
      auto it = theirs.find(key);
      if (it == theirs.end() || it->second < e.version) want.push_back(e);
    }
    REQUIRE(s.missing_for(d) == want);
    Digest shuffled = d;
    for (std::size_t i = shuffled.items.size(); i > 1; --i) {
      std::swap(shuffled.items[i - 1], shuffled.items[rng.below(i)]);
    }
    REQUIRE(s.missing_for(shuffled) == want);
  }
}

TEST_CASE("store merge_encoded: the key index finds every entry and nothing else through growth and "
          "removals (property)", "[store][merge_encoded]") {
  const std::uint64_t seed = GENERATE(51, 52, 53);
  INFO("seed " << seed);
  TestRng rng(seed);
  StoreConfig cfg;
  cfg.tombstone_ttl_us = 5 * kSecond;
  Store s("me", cfg);
  std::int64_t wall = kT0;
  std::size_t removed = 0;
  for (int step = 0; step < 4000; ++step) {
    wall += kSecond / 10;
    const std::uint64_t k = rng.below(600);
    switch (rng.below(6)) {
      case 0:
      case 1: {  // a status entry of a member (removed again by forget_member)
        const std::string peer = "p" + std::to_string(k);
        s.merge(wall, Entry{Store::status_key(peer), Version{Hlc::from_wall(wall), peer}, false,
                            bytes_of("up")});
        break;
      }
      case 2: {
        const bool had = s.find(Store::status_key("p" + std::to_string(k))) != nullptr;
        CHECK(s.forget_member("p" + std::to_string(k)) == had);
        removed += had ? 1 : 0;
        break;
      }
      case 3: s.put(wall, "k" + std::to_string(k), bytes_of("v")); break;
      case 4: s.erase(wall, "k" + std::to_string(k)); break;  // collected after the ttl
      default: removed += s.collect_garbage(wall); break;
    }
    if (step % 97 == 0) {
      for (const auto& [key, e] : s.entries()) {
        const Entry* found = s.find(key);
        REQUIRE(found != nullptr);
        REQUIRE(found == &e);
      }
      for (std::uint64_t i = 0; i < 600; ++i) {
        const std::string key = "k" + std::to_string(i);
        const std::string status = Store::status_key("p" + std::to_string(i));
        REQUIRE((s.find(key) != nullptr) == (s.entries().count(key) == 1));
        REQUIRE((s.find(status) != nullptr) == (s.entries().count(status) == 1));
      }
    }
  }
  CHECK(removed > 500);
  CHECK(s.entries().size() > 300);
}

TEST_CASE("store merge_encoded: merges keep the highest version of every key, long keys and short "
          "(property)", "[store][merge_encoded]") {
  const std::uint64_t seed = GENERATE(61, 62, 63);
  INFO("seed " << seed);
  TestRng rng(seed);
  Store s("me");
  std::map<std::string, Version> want;  // the highest version seen per key
  static const char* const kOrigins[] = {"a", "b", "c"};
  // Keys of every length around the index's inline head (28 bytes), sharing long prefixes.
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) {
    keys.push_back(std::string(static_cast<std::size_t>(i), 'x') + std::to_string(i % 7));
  }
  std::int64_t wall = kT0;
  for (int step = 0; step < 5000; ++step) {
    wall += static_cast<std::int64_t>(rng.below(3)) * 1000;
    const std::string& key = keys[rng.below(keys.size())];
    if (rng.chance(10)) {
      want[key] = s.put(wall, key, bytes_of("local"));
      continue;
    }
    const Version v{Hlc::from_wall(wall - static_cast<std::int64_t>(rng.below(4)) * 1000) +
                        rng.below(3),
                    kOrigins[rng.below(3)]};
    Entry e{key, v, rng.chance(10), {}};
    const Bytes encoded = encode_entries(std::vector<Entry>{e});
    const bool newer = want.count(key) == 0 || want[key] < v;
    if (rng.chance(50)) {
      REQUIRE((s.merge(wall, e) == MergeResult::applied) == newer);
    } else {
      auto c = s.merge_encoded(wall, encoded);
      REQUIRE(c.ok());
      REQUIRE((c->applied == 1) == newer);
    }
    if (newer) want[key] = v;
  }
  REQUIRE(s.entries().size() == want.size());
  for (const auto& [key, v] : want) {
    INFO(key);
    REQUIRE(s.version_of(key) == v);
  }
}
