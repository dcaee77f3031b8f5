#include <catch2/catch.hpp>

#include "gossip/store.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;
using namespace store_test;

TEST_CASE("store: put, get, erase and versions", "[store]") {
  Store s("a");
  const Version v1 = s.put(kT0, "spec/web", bytes_of("one"));
  CHECK(v1.origin == "a");
  CHECK(Hlc::physical_us(v1.hlc) == kT0);
  REQUIRE(s.get("spec/web") != nullptr);
  CHECK(*s.get("spec/web") == bytes_of("one"));
  CHECK(s.version_of("spec/web") == v1);

  const Version v2 = s.put(kT0, "spec/web", bytes_of("two"));  // same millisecond
  CHECK(v1 < v2);
  CHECK(*s.get("spec/web") == bytes_of("two"));

  const Version v3 = s.erase(kT0 + 1000, "spec/web");
  CHECK(v2 < v3);
  CHECK(s.get("spec/web") == nullptr);
  REQUIRE(s.find("spec/web") != nullptr);
  CHECK(s.find("spec/web")->deleted);
  CHECK(s.version_of("spec/web") == v3);
  CHECK(s.get("nope") == nullptr);
  CHECK_FALSE(s.version_of("nope").has_value());
}

TEST_CASE("store: the higher version wins, ties broken by origin", "[store]") {
  Store s("me");
  const std::uint64_t h = Hlc::from_wall(kT0);
  CHECK(s.merge(kT0, Entry{"k", {h, "b"}, false, bytes_of("b")}) == MergeResult::applied);
  CHECK(s.merge(kT0, Entry{"k", {h, "a"}, false, bytes_of("a")}) == MergeResult::stale);
  CHECK(*s.get("k") == bytes_of("b"));
  CHECK(s.merge(kT0, Entry{"k", {h, "c"}, false, bytes_of("c")}) == MergeResult::applied);
  CHECK(s.merge(kT0, Entry{"k", {h - 1, "z"}, false, bytes_of("z")}) == MergeResult::stale);
  CHECK(s.merge(kT0, Entry{"k", {h, "c"}, false, bytes_of("c")}) == MergeResult::stale);  // dup
  CHECK(*s.get("k") == bytes_of("c"));
  CHECK(s.stats().applied == 2);
  CHECK(s.stats().stale == 3);
  // A local write after merging follows everything seen.
  const Version mine = s.put(kT0 - 5 * kSecond, "k", bytes_of("mine"));
  CHECK(Version{h, "c"} < mine);
}

TEST_CASE("store: merging is idempotent and commutative (property)", "[store]") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4, 5);
  INFO("seed " << seed);
  TestRng rng(seed);
  std::vector<Entry> all;
  for (int i = 0; i < 200; ++i) {
    Entry e;
    const char* keys[] = {"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"};
    const char* origins[] = {"p0", "p1", "p2"};
    e.key = keys[rng.below(10)];
    e.version = {Hlc::from_wall(kT0) + rng.below(40), origins[rng.below(3)]};
    // Equal versions carry equal values: derive deletion and value from the version.
    e.deleted = (e.version.hlc + e.version.origin.back()) % 5 == 0;
    if (!e.deleted) e.value = filled(8, e.version.hlc * 31 + e.version.origin.back());
    all.push_back(e);
  }
  Store a("x"), b("y");
  for (const Entry& e : all) a.merge(kT0, e);
  std::vector<Entry> shuffled = all;
  for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.below(i)]);
  for (const Entry& e : shuffled) { b.merge(kT0, e); b.merge(kT0, e); }
  CHECK(a.entries() == b.entries());
}

TEST_CASE("store: a version too far ahead is refused and counted", "[store][skew]") {
  StoreConfig cfg;
  Store s("me", cfg);
  const std::uint64_t ahead = Hlc::from_wall(kT0 + cfg.max_clock_skew_us + 1000);
  CHECK(s.merge(kT0, Entry{"k", {ahead, "r"}, false, bytes_of("x")}) == MergeResult::refused_skew);
  CHECK(s.find("k") == nullptr);
  CHECK(s.stats().refused_skew == 1);
  CHECK(s.clock() < ahead);  // the refused timestamp did not drag the clock forward
  const std::uint64_t near = Hlc::from_wall(kT0 + cfg.max_clock_skew_us);
  CHECK(s.merge(kT0, Entry{"k", {near, "r"}, false, bytes_of("y")}) == MergeResult::applied);
}

TEST_CASE("store: a peer whose clock runs 1 h ahead cannot lock out later writes", "[store][skew]") {
  Store runaway("r"), a("a"), b("b");
  const std::int64_t hour = 3600 * kSecond;
  runaway.put(kT0 + hour, "spec/web", bytes_of("from the future"));
  for (Store* s : {&a, &b}) {
    auto counts = s->merge_encoded(kT0, runaway.take_deltas(1400, 2));
    INFO(counts.error());
    REQUIRE(counts.ok());
    CHECK(counts->refused_skew == 1);
  }
  // A later write by b (one minute later) is accepted everywhere the runaway was refused.
  b.put(kT0 + 60 * kSecond, "spec/web", bytes_of("later"));
  a.merge_all(kT0 + 60 * kSecond, b.missing_for(a.digest()));
  for (Store* s : {&a, &b}) {
    REQUIRE(s->get("spec/web") != nullptr);
    CHECK(*s->get("spec/web") == bytes_of("later"));
  }
  // Push-pull with the runaway keeps refusing its version; b's value stands.
  auto reply = runaway.handle_push_pull(kT0 + hour, a.begin_push_pull());
  REQUIRE(reply);
  a.handle_push_pull(kT0 + 61 * kSecond, *reply);
  CHECK(*a.get("spec/web") == bytes_of("later"));
  CHECK(a.stats().refused_skew == 2);
}

TEST_CASE("store: a peer restarted without its disk writes versions that win", "[store][restart]") {
  // Its old version was pushed ahead of its wall clock by a peer 5 s ahead (within the skew).
  Store a("a"), b("b");
  b.put(kT0 + 5 * kSecond, "x", bytes_of("b"));
  a.merge_all(kT0, b.missing_for(a.digest()));
  const Version old = a.put(kT0, "spec/web", bytes_of("old"));
  CHECK(Hlc::physical_us(old.hlc) == kT0 + 5 * kSecond);
  b.merge_all(kT0, a.missing_for(b.digest()));

  SECTION("it learns the existing versions by push-pull, then writes: the new version wins") {
    Store fresh("a");  // same name, no disk, one second later
    const std::int64_t now = kT0 + kSecond;
    auto reply = b.handle_push_pull(now, fresh.begin_push_pull());
    REQUIRE(reply);
    auto final_msg = fresh.handle_push_pull(now, *reply);
    CHECK(fresh.version_of("spec/web") == old);
    const Version v = fresh.put(now, "spec/web", bytes_of("new"));
    CHECK(old < v);
    CHECK(v.origin == "a");
    CHECK(b.merge_all(now, fresh.missing_for(b.digest())).applied == 1);
    CHECK(*b.get("spec/web") == bytes_of("new"));
  }
  SECTION("much later, even without learning first, its wall clock alone makes it win") {
    Store fresh("a");
    const Version v = fresh.put(kT0 + 60 * kSecond, "spec/web", bytes_of("new"));
    CHECK(old < v);
    CHECK(b.merge(kT0 + 60 * kSecond, *fresh.find("spec/web")) == MergeResult::applied);
    CHECK(*b.get("spec/web") == bytes_of("new"));
  }
  SECTION("writing before learning, within the skew window: it refutes its old version") {
    Store fresh("a");
    const std::int64_t now = kT0 + kSecond;
    const Version v = fresh.put(now, "spec/web", bytes_of("new"));
    CHECK(v < old);  // its fresh clock is behind its old, pushed-ahead version
    CHECK(b.merge(now, *fresh.find("spec/web")) == MergeResult::stale);
    // When the old version reaches it, it re-issues its current value above it.
    CHECK(fresh.merge(now, *b.find("spec/web")) == MergeResult::refuted);
    CHECK(fresh.stats().refuted == 1);
    CHECK(*fresh.get("spec/web") == bytes_of("new"));
    CHECK(old < *fresh.version_of("spec/web"));
    CHECK(b.merge_all(now, fresh.missing_for(b.digest())).applied == 1);
    CHECK(*b.get("spec/web") == bytes_of("new"));
    // Its own writes coming back are not refuted, nor is an old version of a key it never
    // wrote in this life (that is just data).
    CHECK(fresh.merge(now, *b.find("spec/web")) == MergeResult::stale);
    Entry other = *b.find("spec/web");
    other.key = "spec/other";
    other.version.hlc = old.hlc + 100;
    CHECK(fresh.merge(now, other) == MergeResult::applied);
  }
}

TEST_CASE("store: forget_member drops the status locally, without a tombstone", "[store]") {
  Store s("me");
  s.merge(kT0, Entry{"status/p1", {Hlc::from_wall(kT0), "p1"}, false, bytes_of("running")});
  s.put(kT0, "spec/web", bytes_of("w"));
  CHECK(Store::status_key("p1") == "status/p1");
  CHECK(s.forget_member("p1"));
  CHECK(s.find("status/p1") == nullptr);
  CHECK_FALSE(s.forget_member("p1"));
  CHECK(s.get("spec/web") != nullptr);
  // Only the peer itself writes its status.
  CHECK(s.merge(kT0, Entry{"status/p2", {Hlc::from_wall(kT0), "p1"}, false, bytes_of("x")}) ==
        MergeResult::refused_foreign);
  CHECK(s.stats().refused_foreign == 1);
  CHECK(s.find("status/p2") == nullptr);
  // Nothing about it is left to broadcast.
  auto batch = decode_entries(s.take_deltas(1400, 3));
  REQUIRE(batch.ok());
  for (const Entry& e : *batch) CHECK(e.key != "status/p1");
}

TEST_CASE("store: tombstones are collected after the TTL, not before", "[store][gc]") {
  StoreConfig cfg;
  Store s("me", cfg);
  s.put(kT0, "keep", bytes_of("v"));
  s.put(kT0, "gone", bytes_of("v"));
  s.erase(kT0, "gone");
  CHECK(s.collect_garbage(kT0 + cfg.tombstone_ttl_us - 1000) == 0);
  CHECK(s.find("gone") != nullptr);
  CHECK(s.collect_garbage(kT0 + cfg.tombstone_ttl_us) == 1);
  CHECK(s.find("gone") == nullptr);
  CHECK(s.get("keep") != nullptr);  // live entries never expire
  CHECK(s.stats().garbage_collected == 1);
}

// collect_garbage skips its walk while no tombstone can be due; every tombstone written or
// merged after a walk must still be collected on time (a merged one may already be due).
TEST_CASE("store: tombstones written or merged after a collection are collected in time",
          "[store][gc]") {
  StoreConfig cfg;
  const std::int64_t ttl = cfg.tombstone_ttl_us;
  Store s("me", cfg);
  s.put(kT0, "keep", bytes_of("v"));
  CHECK(s.collect_garbage(kT0) == 0);  // no tombstone at all
  // A peer's tombstone that is already past the TTL when it arrives, for a key this store does
  // not hold, is collected on arrival (buried: see store_horizon_test.cpp).
  const std::uint64_t old = Hlc::from_wall(kT0 - ttl - kSecond);
  CHECK(s.merge(kT0, Entry{"old", {old, "peer"}, true, {}}) == MergeResult::refused_expired);
  CHECK(s.find("old") == nullptr);
  CHECK(s.graves() == 1);
  CHECK(s.collect_garbage(kT0) == 0);
  // Two local tombstones, a minute apart: each goes at its own time.
  s.put(kT0, "a", bytes_of("v"));
  s.put(kT0, "b", bytes_of("v"));
  s.erase(kT0 + kSecond, "a");
  CHECK(s.collect_garbage(kT0 + 2 * kSecond) == 0);
  s.erase(kT0 + 60 * kSecond, "b");
  CHECK(s.collect_garbage(kT0 + 60 * kSecond + ttl - kSecond) == 1);
  CHECK(s.find("a") == nullptr);
  CHECK(s.find("b") != nullptr);
  CHECK(s.collect_garbage(kT0 + 60 * kSecond + ttl - kSecond) == 0);
  CHECK(s.collect_garbage(kT0 + 60 * kSecond + ttl) == 1);
  CHECK(s.find("b") == nullptr);
  // A live key deleted by a merged tombstone updates it in place: collected too.
  const std::uint64_t later = Hlc::from_wall(kT0 + 120 * kSecond);
  CHECK(s.merge(kT0 + 120 * kSecond, Entry{"keep", {later, "peer"}, true, {}}) ==
        MergeResult::applied);
  CHECK(s.collect_garbage(kT0 + 120 * kSecond + ttl - 1000) == 0);
  CHECK(s.collect_garbage(kT0 + 120 * kSecond + ttl) == 1);
  CHECK(s.entries().empty());
  CHECK(s.stats().garbage_collected == 3);
}

TEST_CASE("store: versions_with_prefix and spec_versions list live keys in order", "[store]") {
  Store s("me");
  s.put(kT0, "spec/b", bytes_of("b"));
  s.put(kT0, "spec/a", bytes_of("a"));
  s.put(kT0, "spec/c", bytes_of("c"));
  s.erase(kT0, "spec/c");
  s.put(kT0, "status/me", bytes_of("s"));
  s.put(kT0, "spea", bytes_of("x"));
  auto v = s.spec_versions();
  REQUIRE(v.size() == 2);
  CHECK(v[0].first == "spec/a");
  CHECK(v[1].first == "spec/b");
  CHECK(v[0].second == *s.version_of("spec/a"));
  CHECK(s.versions_with_prefix("status/").size() == 1);
}

TEST_CASE("store: snapshot and restore keep entries, tombstones and the clock", "[store][snapshot]") {
  Store s("me");
  s.put(kT0, "spec/web", bytes_of("w"));
  s.put(kT0, "spec/db", filled(3000, 7));
  s.erase(kT0, "spec/old");
  s.merge(kT0, Entry{"status/p", {Hlc::from_wall(kT0 + 2 * kSecond), "p"}, false, bytes_of("s")});
  const Bytes snap = s.snapshot();
  auto r = Store::restore(snap, "me", {}, kT0 + kSecond);
  REQUIRE(r.ok());
  CHECK(r->entries() == s.entries());
  CHECK_FALSE(r->holding_back());
  CHECK(r->clock() == s.clock());
  CHECK(r->snapshot() == snap);
  // A write after restore follows everything restored.
  CHECK(*s.version_of("status/p") < r->put(kT0, "spec/web", bytes_of("w2")));

  CHECK_FALSE(Store::restore(Bytes{}, "me", {}, kT0).ok());
  Bytes truncated(snap.begin(), snap.end() - 1);
  auto bad = Store::restore(truncated, "me", {}, kT0);
  CHECK_FALSE(bad.ok());
  CHECK(bad.error().find("snapshot") != std::string::npos);
}

TEST_CASE("store: pull-first holds the persisted copy back until a pull or a cold start",
          "[store][pullfirst]") {
  StoreConfig cfg;
  const std::int64_t ttl = cfg.tombstone_ttl_us;
  Store s("me", cfg);
  s.put(kT0, "spec/old", bytes_of("old"));
  const Bytes snap = s.snapshot();
  const std::int64_t later = kT0 + ttl + 3600 * kSecond;  // away longer than the TTL

  SECTION("automatic mode holds back only a copy older than the TTL") {
    auto recent = Store::restore(snap, "me", cfg, kT0 + ttl / 2);
    REQUIRE(recent.ok());
    CHECK_FALSE(recent->holding_back());
    auto stale = Store::restore(snap, "me", cfg, later);
    REQUIRE(stale.ok());
    CHECK(stale->holding_back());
    CHECK(stale->held_back_count() == 1);
    CHECK(stale->get("spec/old") == nullptr);
    CHECK(stale->digest().items.empty());
    CHECK(stale->take_deltas(1400, 3).empty());
    // Held back survives another snapshot/restore, whatever the mode.
    auto again = Store::restore(stale->snapshot(), "me", cfg, later, HoldBack::never);
    REQUIRE(again.ok());
    CHECK(again->holding_back());
  }
  SECTION("cold start: nobody answered, the persisted copy is used and offered") {
    auto r = Store::restore(snap, "me", cfg, later);
    REQUIRE(r.ok());
    r->on_cold_start(later);
    CHECK_FALSE(r->holding_back());
    REQUIRE(r->get("spec/old") != nullptr);
    CHECK(r->digest().items.size() == 1);
    CHECK(r->pending_deltas() == 1);
  }
  SECTION("after a pull, entries older than the TTL are dropped, younger ones offered") {
    auto r = Store::restore(snap, "me", cfg, later, HoldBack::always);
    REQUIRE(r.ok());
    // A young held entry (written just before the snapshot in another run) is kept.
    Store y("me", cfg);
    y.merge(kT0, Entry{"spec/old", {Hlc::from_wall(kT0), "z"}, false, bytes_of("old")});
    y.put(later - kSecond, "spec/young", bytes_of("y"));
    auto ry = Store::restore(y.snapshot(), "me", cfg, later, HoldBack::always);
    REQUIRE(ry.ok());
    Store cluster("c", cfg);
    cluster.put(later, "spec/other", bytes_of("o"));
    auto reply = cluster.handle_push_pull(later, ry->begin_push_pull());
    REQUIRE(reply);
    auto fin = ry->handle_push_pull(later, *reply);
    CHECK_FALSE(ry->holding_back());
    CHECK(ry->get("spec/other") != nullptr);
    CHECK(ry->get("spec/young") != nullptr);
    CHECK(ry->get("spec/old") == nullptr);
    CHECK(ry->stats().held_back_dropped == 1);
    REQUIRE(fin);
    REQUIRE(fin->entries.size() == 1);  // the young one is offered to the cluster at once
    CHECK(fin->entries[0].key == "spec/young");
  }
  SECTION("an answer from a peer that is itself holding back is not a successful pull") {
    auto r1 = Store::restore(snap, "me", cfg, later);
    auto r2 = Store::restore(snap, "other", cfg, later);
    REQUIRE(r1.ok());
    REQUIRE(r2.ok());
    auto reply = r2->handle_push_pull(later, r1->begin_push_pull());
    REQUIRE(reply);
    CHECK(reply->holding_back);
    r1->handle_push_pull(later, *reply);
    CHECK(r1->holding_back());
  }
  SECTION("local writes while holding back beat the held-back versions") {
    auto r = Store::restore(snap, "me", cfg, later);
    REQUIRE(r.ok());
    r->put(later - ttl, "spec/old", bytes_of("new"));  // even with a wall clock far behind
    r->on_cold_start(later);
    CHECK(*r->get("spec/old") == bytes_of("new"));
  }
}

TEST_CASE("store: extreme walls and configs do not overflow", "[store]") {
  StoreConfig cfg;
  cfg.tombstone_ttl_us = INT64_MAX;
  cfg.max_clock_skew_us = INT64_MAX;
  Store s("me", cfg);
  CHECK(s.merge(INT64_MIN, Entry{"k", {UINT64_MAX, "o"}, false, {}}) == MergeResult::applied);
  s.erase(INT64_MIN, "k");
  CHECK(s.collect_garbage(INT64_MAX) == 0);  // a TTL of forever
  StoreConfig strict;
  strict.max_clock_skew_us = 0;
  strict.tombstone_ttl_us = 0;
  Store t("me", strict);
  CHECK(t.merge(INT64_MIN, Entry{"k", {UINT64_MAX, "o"}, false, {}}) == MergeResult::refused_skew);
  t.erase(kT0, "gone");
  CHECK(t.collect_garbage(kT0) == 1);
  CHECK(Store::restore(t.snapshot(), "me", strict, INT64_MIN).ok());
  CHECK(Store::restore(t.snapshot(), "me", strict, INT64_MAX).ok());
}

TEST_CASE("store: take_changed reports each changed key once, sorted", "[store]") {
  Store s("me");
  CHECK(s.take_changed().empty());
  s.put(kT0, "spec/b", bytes_of("1"));
  s.put(kT0, "spec/a", bytes_of("1"));
  s.put(kT0, "spec/b", bytes_of("2"));
  CHECK(s.take_changed() == std::vector<std::string>{"spec/a", "spec/b"});
  CHECK(s.take_changed().empty());
  const Entry a = *s.find("spec/a");
  s.merge(kT0, a);  // stale: no change
  CHECK(s.take_changed().empty());
  s.merge(kT0, Entry{"status/p", {Hlc::from_wall(kT0), "p"}, false, bytes_of("s")});
  s.erase(kT0, "spec/a");
  CHECK(s.take_changed() == std::vector<std::string>{"spec/a", "status/p"});
  s.forget_member("p");
  CHECK(s.take_changed() == std::vector<std::string>{"status/p"});
  s.collect_garbage(kT0 + s.config().tombstone_ttl_us);
  CHECK(s.take_changed().empty());
}

TEST_CASE("store: a clock stepped forward is capped at wall + max_clock_skew on restore",
          "[store][snapshot]") {
  StoreConfig cfg;  // max_clock_skew 10 s
  Store s("me", cfg);
  const std::int64_t ahead = kT0 + 3600 * kSecond;  // the host's clock was an hour ahead
  s.put(ahead, "spec/web", bytes_of("w"));
  const Bytes snap = s.snapshot();

  auto r = Store::restore(snap, "me", cfg, kT0);  // the clock is fixed
  REQUIRE(r.ok());
  CHECK(r->restore_capped_from() == s.clock());
  CHECK(Hlc::physical_us(r->clock()) == kT0 + cfg.max_clock_skew_us);
  // A later write is one the others accept: within max_clock_skew of their wall clock.
  Store other("other", cfg);
  const Version v = r->put(kT0 + kSecond, "spec/db", bytes_of("d"));
  CHECK(other.merge(kT0 + kSecond, Entry{"spec/db", v, false, bytes_of("d")}) ==
        MergeResult::applied);

  // Within the bound: kept as it was, nothing reported.
  auto near = Store::restore(snap, "me", cfg, ahead - kSecond);
  REQUIRE(near.ok());
  CHECK(near->restore_capped_from() == 0);
  CHECK(near->clock() == s.clock());
}
