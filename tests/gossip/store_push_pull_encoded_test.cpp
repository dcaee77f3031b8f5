// Store::handle_push_pull_encoded answers exactly as decode_push_pull + handle_push_pull +
// encode_push_pull do (the engine's path, without the copies): the same reply bytes and the
// same store afterwards, for every step of the exchange, for digests out of key order or with a
// key listed twice, for stores holding back, and for malformed input (nothing changes).
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gossip/store.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;
using namespace store_test;

namespace {

// A store with a random mix of keys (some shared by every seed's stores, some its own), written
// at random times, some deleted; held back when `hold`.
std::unique_ptr<Store> random_store(const std::string& self, std::uint64_t seed, bool hold) {
  TestRng rng(seed);
  Store s(self);
  const int n = static_cast<int>(rng.below(40));
  for (int i = 0; i < n; ++i) {
    const std::string key = (rng.chance(60) ? "k" : self + "/k") + std::to_string(rng.below(30));
    const std::int64_t wall = kT0 - static_cast<std::int64_t>(rng.below(100)) * kSecond;
    if (rng.chance(20)) s.erase(wall, key);
    else s.put(wall, key, filled(rng.below(20), rng.next()));
  }
  auto restored = Store::restore(s.snapshot(), self, StoreConfig{}, kT0,
                                 hold ? HoldBack::always : HoldBack::never);
  REQUIRE(restored.ok());
  return std::make_unique<Store>(std::move(*restored));
}

// Hands `msg` to twins a and b, one per path; checks they answer and end up alike. Returns the
// reply (empty: none).
Bytes both_paths(Store& a, Store& b, const Bytes& msg, std::int64_t wall) {
  auto fast = a.handle_push_pull_encoded(wall, msg);
  auto decoded = decode_push_pull(msg);
  REQUIRE(fast.ok() == decoded.ok());
  if (!fast.ok()) return {};
  auto slow = b.handle_push_pull(wall, *decoded);
  const Bytes slow_bytes = slow ? encode_push_pull(*slow) : Bytes{};
  CHECK(*fast == slow_bytes);
  CHECK(a.snapshot() == b.snapshot());
  CHECK(a.take_changed() == b.take_changed());
  CHECK(a.pending_deltas() == b.pending_deltas());
  CHECK(a.take_deltas(100000, 4) == b.take_deltas(100000, 4));
  return *fast;
}

}  // namespace

TEST_CASE("store: handle_push_pull_encoded equals decode + handle_push_pull + encode",
          "[store][push-pull]") {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    INFO("seed " << seed);
    TestRng rng(seed * 7919);
    const bool hold_a = rng.chance(20), hold_b = rng.chance(20);
    auto a1 = random_store("a", seed * 2, hold_a), a2 = random_store("a", seed * 2, hold_a);
    auto b1 = random_store("b", seed * 2 + 1, hold_b), b2 = random_store("b", seed * 2 + 1, hold_b);
    const std::int64_t wall = kT0 + kSecond;
    // A -> B request, B -> A response, A -> B final.
    const Bytes request = a1->encode_request();
    const Bytes response = both_paths(*b1, *b2, request, wall);
    REQUIRE(!response.empty());
    const Bytes final_msg = both_paths(*a1, *a2, response, wall);
    REQUIRE(!final_msg.empty());
    CHECK(both_paths(*b1, *b2, final_msg, wall).empty());

    // A digest out of key order, with a key listed twice (not from a store of ours).
    PushPull odd = a1->begin_push_pull();
    if (!odd.digest.items.empty()) {
      odd.digest.items.push_back(odd.digest.items[rng.below(odd.digest.items.size())]);
      odd.digest.items.back().version.hlc += rng.below(3);
      odd.digest.items.back().version.origin = rng.chance(50) ? "zz" : "a";
      std::reverse(odd.digest.items.begin(), odd.digest.items.end());
    }
    odd.entries.push_back(Entry{"k1", {rng.next() >> 30, "c"}, rng.chance(50), {}});
    both_paths(*b1, *b2, encode_push_pull(odd), wall);
    // Sorted, with a key listed twice: the higher version counts.
    std::sort(odd.digest.items.begin(), odd.digest.items.end(),
              [](const DigestItem& x, const DigestItem& y) { return x.key < y.key; });
    odd.kind = PushPull::Kind::response;
    odd.holding_back = rng.chance(50);
    both_paths(*b1, *b2, encode_push_pull(odd), wall);

    // Malformed: a cut message is refused by both and changes nothing.
    Bytes cut = request;
    cut.resize(rng.below(cut.size()));
    const Bytes before = b1->snapshot();
    CHECK(!b1->handle_push_pull_encoded(wall, cut).ok());
    CHECK(!decode_push_pull(cut).ok());
    CHECK(b1->snapshot() == before);
  }
}
