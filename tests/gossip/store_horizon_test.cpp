// The tombstone horizon: once a tombstone is collected, a live version older than it must not
// come back (a long-partitioned peer, a replayed delta), while a fresh peer still receives old
// live entries. See docs/design.md, "Tombstone horizon".
#include <catch2/catch.hpp>

#include "gossip/store.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;
using namespace store_test;

namespace {

constexpr std::int64_t kDay = 24 * 3600 * kSecond;

// A store that wrote spec/web on day 0, deleted it on day 1 and collected the tombstone on
// day 8 (ttl 7 days). Returns the live entry it had before the delete.
Entry write_delete_collect(Store& s) {
  s.put(kT0, "spec/web", bytes_of("v1"));
  Entry live = *s.find("spec/web");
  s.erase(kT0 + kDay, "spec/web");
  REQUIRE(s.collect_garbage(kT0 + 8 * kDay) == 1);
  REQUIRE(s.find("spec/web") == nullptr);
  return live;
}

}  // namespace

TEST_CASE("horizon: a live version older than a collected tombstone is refused", "[store][horizon]") {
  Store s("a");
  const Entry live = write_delete_collect(s);
  // A peer cut off since day 0 comes back on day 9 with the old live version.
  CHECK(s.merge(kT0 + 9 * kDay, live) == MergeResult::refused_expired);
  CHECK(s.get("spec/web") == nullptr);
  CHECK(s.find("spec/web") == nullptr);
  CHECK(s.stats().refused_expired == 1);
  CHECK(s.take_changed() == std::vector<std::string>{"spec/web"});  // from the local writes only
  CHECK(s.take_changed().empty());
  CHECK(s.pending_deltas() == 0);  // nothing queued for the refused entry
}

TEST_CASE("horizon: a replayed delta of an expired key is refused, in a batch too", "[store][horizon]") {
  Store s("a");
  const Entry live = write_delete_collect(s);
  const Bytes batch = encode_entries(std::vector<Entry>{live});
  auto c = s.merge_encoded(kT0 + 8 * kDay + kSecond, batch);
  REQUIRE(c.ok());
  CHECK(c->refused_expired == 1);
  CHECK(c->applied == 0);
  CHECK(s.get("spec/web") == nullptr);
  // MergeCounts from merge_all count it too.
  CHECK(s.merge_all(kT0 + 8 * kDay + kSecond, {live}).refused_expired == 1);
  CHECK(s.stats().refused_expired == 2);
}

TEST_CASE("horizon: a fresh store still receives an old live entry", "[store][horizon]") {
  // spec/db written 30 days ago and never changed: older than any TTL, and live.
  Store old_peer("a");
  old_peer.put(kT0, "spec/db", bytes_of("db"));
  Store fresh("b");
  const std::int64_t now = kT0 + 30 * kDay;
  CHECK(fresh.merge(now, *old_peer.find("spec/db")) == MergeResult::applied);
  CHECK(fresh.get("spec/db") != nullptr);
  // And through a push-pull.
  Store fresh2("c");
  auto resp = old_peer.handle_push_pull(now, fresh2.begin_push_pull());
  REQUIRE(resp);
  fresh2.handle_push_pull(now, *resp);
  CHECK(fresh2.get("spec/db") != nullptr);
  CHECK(fresh2.stats().refused_expired == 0);
}

TEST_CASE("horizon: a newer write of a buried key is accepted and revives it", "[store][horizon]") {
  Store s("a");
  write_delete_collect(s);
  const Entry newer{"spec/web", {Hlc::from_wall(kT0 + 8 * kDay), "b"}, false, bytes_of("v2")};
  CHECK(s.merge(kT0 + 8 * kDay + kSecond, newer) == MergeResult::applied);
  CHECK(*s.get("spec/web") == bytes_of("v2"));
  CHECK(s.graves() == 0);
  // A local write of a buried key always lands above the grave.
  Store t("a");
  write_delete_collect(t);
  t.put(kT0 + 8 * kDay, "spec/web", bytes_of("again"));
  CHECK(*t.get("spec/web") == bytes_of("again"));
  CHECK(t.graves() == 0);
}

TEST_CASE("horizon: an expired tombstone for an absent key is buried, not stored", "[store][horizon]") {
  Store s("a");
  const std::int64_t now = kT0 + 8 * kDay;
  const Entry stone{"spec/x", {Hlc::from_wall(kT0), "b"}, true, {}};
  CHECK(s.merge(now, stone) == MergeResult::refused_expired);
  CHECK(s.find("spec/x") == nullptr);
  CHECK(s.pending_deltas() == 0);  // not spread again
  CHECK(s.graves() == 1);
  // The live version it deleted is refused from then on.
  CHECK(s.merge(now, Entry{"spec/x", {Hlc::from_wall(kT0 - kDay), "c"}, false, bytes_of("z")}) ==
        MergeResult::refused_expired);
  // An expired tombstone still deletes an older live entry this store holds.
  s.merge(now, Entry{"spec/y", {Hlc::from_wall(kT0 - kDay), "c"}, false, bytes_of("y")});
  CHECK(s.merge(now, Entry{"spec/y", {Hlc::from_wall(kT0), "b"}, true, {}}) == MergeResult::applied);
  CHECK(s.get("spec/y") == nullptr);
}

TEST_CASE("horizon: push-pull answers a stale live version with the buried tombstone", "[store][horizon]") {
  // The zombie holds spec/web v1 (cut off since before the delete); `a` collected the delete.
  Store a("a");
  const Entry live = write_delete_collect(a);
  Store zombie("z");
  REQUIRE(zombie.merge(kT0, live) == MergeResult::applied);
  const std::int64_t now = kT0 + 9 * kDay;

  SECTION("the zombie asks") {
    auto resp = a.handle_push_pull(now, zombie.begin_push_pull());
    REQUIRE(resp);
    auto fin = zombie.handle_push_pull(now, *resp);
    REQUIRE(fin);
    a.handle_push_pull(now, *fin);
  }
  SECTION("the collector asks") {
    auto resp = zombie.handle_push_pull(now, a.begin_push_pull());
    REQUIRE(resp);
    auto fin = a.handle_push_pull(now, *resp);
    REQUIRE(fin);
    zombie.handle_push_pull(now, *fin);
  }
  SECTION("encoded, the zombie asks") {
    auto resp = a.handle_push_pull_encoded(now, zombie.encode_request());
    REQUIRE(resp.ok());
    // The encoded answer is exactly the decoded path's.
    auto expect = a.handle_push_pull(now, *decode_push_pull(zombie.encode_request()));
    REQUIRE(expect);
    CHECK(*resp == encode_push_pull(*expect));
    auto fin = zombie.handle_push_pull_encoded(now, *resp);
    REQUIRE(fin.ok());
    a.handle_push_pull_encoded(now, *fin);
  }
  // The zombie took the delete; the collector did not take the old live version back.
  CHECK(zombie.get("spec/web") == nullptr);
  CHECK(a.get("spec/web") == nullptr);
  CHECK(a.find("spec/web") == nullptr);
  // Once collected on the zombie too, nothing of it is left to spread.
  zombie.collect_garbage(now);
  CHECK(zombie.find("spec/web") == nullptr);
  CHECK(zombie.graves() == 1);
}

TEST_CASE("horizon: a hostile digest listing a buried key many times gets one tombstone",
          "[store][horizon]") {
  Store a("a");
  write_delete_collect(a);
  PushPull req;
  for (int i = 0; i < 1000; ++i)
    req.digest.items.push_back(DigestItem{"spec/web", {std::uint64_t(i), "z"}});
  auto resp = a.handle_push_pull(kT0 + 9 * kDay, req);
  REQUIRE(resp);
  CHECK(resp->entries.size() == 1);
  auto enc = a.handle_push_pull_encoded(kT0 + 9 * kDay, encode_push_pull(req));
  REQUIRE(enc.ok());
  CHECK(*enc == encode_push_pull(*resp));
}

TEST_CASE("horizon: graves are forgotten after a second TTL and bounded in bytes", "[store][horizon]") {
  StoreConfig cfg;
  const std::int64_t ttl = cfg.tombstone_ttl_us;
  {
    Store s("a", cfg);
    const Entry live = write_delete_collect(s);  // tombstone at day 1
    CHECK(s.graves() == 1);
    s.collect_garbage(kT0 + kDay + 2 * ttl - kSecond);
    CHECK(s.graves() == 1);
    s.collect_garbage(kT0 + kDay + 2 * ttl);
    CHECK(s.graves() == 0);
    // Past the horizon the limit applies: the old version is accepted again (documented).
    CHECK(s.merge(kT0 + kDay + 2 * ttl, live) == MergeResult::applied);
  }
  cfg.max_grave_bytes = 10'000;
  Store s("a", cfg);
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "spec/k" + std::to_string(i);
    s.put(kT0 + i, key, bytes_of("v"));
    s.erase(kT0 + i + 1, key);
  }
  CHECK(s.collect_garbage(kT0 + ttl + kDay) == 1000);
  CHECK(s.grave_bytes() <= 10'000);
  CHECK(s.graves() > 0);
  CHECK(s.stats().graves_dropped == 1000 - s.graves());
  // The oldest went first: the newest delete is still remembered.
  CHECK(s.merge(kT0 + ttl + kDay,
                Entry{"spec/k999", {Hlc::from_wall(kT0), "z"}, false, bytes_of("v")}) ==
        MergeResult::refused_expired);
}

TEST_CASE("horizon: graves survive snapshot and restore", "[store][horizon][snapshot]") {
  Store s("a");
  const Entry live = write_delete_collect(s);
  const Bytes snap = s.snapshot();
  auto r = Store::restore(snap, "a", {}, kT0 + 8 * kDay, HoldBack::never);
  REQUIRE(r.ok());
  CHECK(r->graves() == 1);
  CHECK(r->snapshot() == snap);
  CHECK(r->merge(kT0 + 8 * kDay, live) == MergeResult::refused_expired);
  // A held-back copy older than the grave is not released either.
  Store old("a");
  old.put(kT0, "spec/web", bytes_of("v1"));
  old.put(kT0, "spec/keep", bytes_of("k"));
  // (A store without graves writes the original format: older binaries read it.)
  auto held = Store::restore(old.snapshot(), "a", {}, kT0 + 9 * kDay, HoldBack::always);
  REQUIRE(held.ok());
  held->merge(kT0 + 9 * kDay, Entry{"spec/web", {Hlc::from_wall(kT0 + kDay), "b"}, true, {}});
  CHECK(held->graves() == 1);
  held->on_cold_start(kT0 + 9 * kDay);
  CHECK(held->get("spec/web") == nullptr);
  CHECK(held->get("spec/keep") != nullptr);
}

TEST_CASE("clock: clock_ahead_us tells how far this store's clock runs ahead of its wall",
          "[store][skew]") {
  Store s("a");
  CHECK(s.clock_ahead_us(kT0) <= 0);
  s.put(kT0 + 3600 * kSecond, "status/a", bytes_of("x"));  // the wall stepped 1 h forward
  // ... and back: every later write of this store carries a time 1 h ahead.
  CHECK(s.clock_ahead_us(kT0) == 3600 * kSecond);
  const Version v = s.put(kT0 + kSecond, "status/a", bytes_of("y"));
  Store other("b");
  CHECK(other.merge(kT0 + kSecond, Entry{"status/a", v, false, bytes_of("y")}) ==
        MergeResult::refused_skew);
  CHECK(other.stats().refused_skew == 1);
  CHECK(s.clock_ahead_us(kT0 + 3600 * kSecond) == 0);
}

// Why a spec refused for skew needs no re-put: the HLC never goes back, so a re-put carries a
// time at least as far ahead and is refused alike; the version already written is accepted as
// soon as the others' walls come within max_clock_skew of it, and push-pull (which always sends
// what the other side lacks) then delivers it with no new write.
TEST_CASE("clock: a write refused for skew propagates by push-pull once the wall catches up",
          "[store][skew]") {
  Store a("a"), b("b");
  const Version v = a.put(kT0 + 3600 * kSecond, "spec/web", bytes_of("w"));  // a's wall 1 h ahead
  auto exchange = [&](std::int64_t wall) {
    auto resp = b.handle_push_pull(wall, a.begin_push_pull());
    REQUIRE(resp);
    auto fin = a.handle_push_pull(wall + 3600 * kSecond, *resp);
    REQUIRE(fin);
    b.handle_push_pull(wall, *fin);
  };
  exchange(kT0);
  CHECK(b.get("spec/web") == nullptr);
  CHECK(b.stats().refused_skew == 1);
  // A re-put by `a` is refused alike: its clock cannot go back.
  CHECK(Hlc::physical_us(a.put(kT0, "spec/web", bytes_of("w")).hlc) >= kT0 + 3600 * kSecond);
  exchange(kT0 + 3590 * kSecond - 1000);
  CHECK(b.get("spec/web") == nullptr);
  // b's wall within max_clock_skew of the write: taken, no new write needed.
  exchange(kT0 + 3590 * kSecond);
  REQUIRE(b.get("spec/web") != nullptr);
  CHECK(b.version_of("spec/web") > v);
}
