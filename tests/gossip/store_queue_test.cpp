#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "gossip/store.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;
using namespace store_test;

TEST_CASE("store queue: retransmit_limit is mult * ceil(log10(n + 1)), at least 1", "[store][queue]") {
  CHECK(Store::retransmit_limit(4, 0) == 1);
  CHECK(Store::retransmit_limit(4, 1) == 4);
  CHECK(Store::retransmit_limit(4, 9) == 4);
  CHECK(Store::retransmit_limit(4, 10) == 8);
  CHECK(Store::retransmit_limit(4, 99) == 8);
  CHECK(Store::retransmit_limit(4, 100) == 12);
  CHECK(Store::retransmit_limit(3, 1000) == 12);
}

TEST_CASE("store queue: the budget is never exceeded and every entry goes out `limit` times",
          "[store][queue]") {
  const std::uint64_t seed = GENERATE(11, 12, 13);
  INFO("seed " << seed);
  TestRng rng(seed);
  StoreConfig cfg;
  cfg.max_delta_bytes = 600;
  Store s("me", cfg);
  const int limit = 3;
  std::map<std::string, int> sent;       // key -> transmissions seen
  std::map<std::string, Version> latest;
  for (int round = 0; round < 400; ++round) {
    for (int w = 0, n = static_cast<int>(rng.below(4)); w < n; ++w) {
      std::string key = "k";
      key += std::to_string(rng.below(60));
      const Version v = s.put(kT0 + round * 1000, key, filled(rng.below(700), rng.next()));
      latest[key] = v;
      sent[key] = 0;  // a newer version restarts its count
    }
    const std::size_t budget = rng.below(1400);
    const Bytes batch = s.take_deltas(budget, limit);
    REQUIRE(batch.size() <= budget);
    if (batch.empty()) continue;
    auto decoded = decode_entries(batch);
    REQUIRE(decoded.ok());
    REQUIRE_FALSE(decoded->empty());
    for (const Entry& e : *decoded) {
      REQUIRE(e.version == latest[e.key]);  // only the newest version of a key is queued
      ++sent[e.key];
      REQUIRE(sent[e.key] <= limit);
    }
  }
  // Drain: with a full budget everything still queued leaves after `limit` sends in total.
  for (int i = 0; i < 1000 && s.pending_deltas() > 0; ++i) {
    auto decoded = decode_entries(s.take_deltas(1400, limit));
    REQUIRE(decoded.ok());
    for (const Entry& e : *decoded) ++sent[e.key];
  }
  CHECK(s.pending_deltas() == 0);
  std::set<std::string> oversized;
  for (const Bytes& b : s.take_oversized()) {
    auto d = decode_entries(b);
    REQUIRE(d.ok());
    REQUIRE(d->size() == 1);
    oversized.insert((*d)[0].key);
  }
  for (const auto& [key, n] : sent) {
    INFO(key);
    if (oversized.count(key) == 0) CHECK(n == limit);
  }
}

TEST_CASE("store queue: least-transmitted entries go first", "[store][queue]") {
  Store s("me");
  s.put(kT0, "a", filled(200, 1));
  s.put(kT0, "b", filled(200, 2));
  // Room for one entry: the newest (b) first, then a (never sent) before b again.
  auto first = decode_entries(s.take_deltas(250, 5));
  auto second = decode_entries(s.take_deltas(250, 5));
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE(first->size() == 1);
  REQUIRE(second->size() == 1);
  CHECK((*first)[0].key == "b");
  CHECK((*second)[0].key == "a");
  s.put(kT0, "c", filled(200, 3));
  auto third = decode_entries(s.take_deltas(250, 5));
  REQUIRE(third.ok());
  CHECK((*third)[0].key == "c");
  // A budget too small for anything returns nothing and loses nothing.
  CHECK(s.take_deltas(100, 5).empty());
  CHECK(s.take_deltas(0, 5).empty());
  CHECK(s.pending_deltas() == 3);
}

TEST_CASE("store queue: an entry too large for a delta is reported as oversized, never dropped",
          "[store][queue]") {
  StoreConfig cfg;
  cfg.max_delta_bytes = 1000;
  Store s("me", cfg);
  s.put(kT0, "status/me", filled(64 * 1024, 5));
  s.put(kT0, "small", filled(10, 6));
  CHECK(s.pending_oversized() == 1);
  CHECK(s.pending_deltas() == 1);
  const Bytes batch = s.take_deltas(1400, 3);
  auto d = decode_entries(batch);
  REQUIRE(d.ok());
  REQUIRE(d->size() == 1);
  CHECK((*d)[0].key == "small");
  auto big = s.take_oversized();
  REQUIRE(big.size() == 1);
  Store other("o", cfg);
  auto merged = other.merge_encoded(kT0, big[0]);
  REQUIRE(merged.ok());
  CHECK(merged->applied == 1);
  CHECK(*other.get("status/me") == *s.get("status/me"));
  CHECK(s.take_oversized().empty());  // handed out once
  // A newer, small version of the key replaces the oversized one in the delta queue.
  s.put(kT0, "status/me", filled(10, 7));
  s.put(kT0, "big2", filled(5000, 8));
  s.put(kT0, "big2", filled(10, 9));
  CHECK(s.pending_oversized() == 0);
  // The oversized entry also travels in push-pull.
  Store fresh("f", cfg);
  fresh.merge_all(kT0, other.missing_for(fresh.digest()));
  CHECK(fresh.get("status/me") != nullptr);
}
