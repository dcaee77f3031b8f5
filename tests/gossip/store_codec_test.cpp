// Decoders and restore() on random and mutated bytes: never a crash, never undefined behaviour
// (run under ASan + UBSan), and every valid result re-encodes to what was decoded.
#include <catch2/catch.hpp>

#include "gossip/store.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;
using namespace store_test;

namespace {

std::vector<Bytes> corpus() {
  Store s("peer-1");
  s.put(kT0, "spec/web", bytes_of("image = 'nginx'"));
  s.put(kT0, "status/peer-1", filled(40, 1));
  s.erase(kT0, "spec/old");
  s.merge(kT0, Entry{"spec/x", {Hlc::from_wall(kT0) + 3, "peer-2"}, false, filled(20, 2)});
  std::vector<Bytes> out;
  out.push_back(s.snapshot());
  out.push_back(encode_digest(s.digest()));
  std::vector<Entry> all;
  for (const auto& [k, e] : s.entries()) all.push_back(e);
  out.push_back(encode_entries(all));
  PushPull pp = s.begin_push_pull();
  pp.kind = PushPull::Kind::response;
  pp.entries = all;
  out.push_back(encode_push_pull(pp));
  out.push_back(s.take_deltas(1400, 3));
  return out;
}

// Feeds one input to every decoder; checks round trips of whatever decodes. Counts instead of
// asserting per input (Catch2 assertions are slow in a loop of hundreds of thousands).
struct Tally {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t round_trip_failures = 0;
};

void feed(ByteView b, Tally& t) {
  const std::uint64_t before = t.accepted;
  if (auto e = decode_entries(b)) {
    ++t.accepted;
    const Bytes re = encode_entries(*e);
    auto again = decode_entries(re);
    if (re.size() > b.size() || !again.ok() || *again != *e) ++t.round_trip_failures;
  }
  if (auto d = decode_digest(b)) {
    ++t.accepted;
    auto again = decode_digest(encode_digest(*d));
    if (!again.ok() || *again != *d) ++t.round_trip_failures;
  }
  if (auto p = decode_push_pull(b)) {
    ++t.accepted;
    auto again = decode_push_pull(encode_push_pull(*p));
    if (!again.ok() || *again != *p) ++t.round_trip_failures;
  }
  if (auto s = Store::restore(b, "me", {}, kT0)) {
    ++t.accepted;
    auto again = Store::restore(s->snapshot(), "me", {}, kT0);
    if (!again.ok() || again->entries() != s->entries()) ++t.round_trip_failures;
  }
  if (t.accepted == before) ++t.rejected;
}

}  // namespace

TEST_CASE("store decode: random and mutated inputs never crash", "[store][fuzz]") {
  const std::uint64_t seed = 0x5eed;
  INFO("seed " << seed);
  TestRng rng(seed);
  const auto seeds = corpus();
  for (const Bytes& b : seeds) {
    Tally t;
    feed(b, t);
    CHECK(t.accepted >= 1);  // every corpus item decodes with its own decoder
    CHECK(t.round_trip_failures == 0);
  }
  Tally tally;
  const int iterations = 200'000;
  for (int i = 0; i < iterations; ++i) {
    Bytes b;
    if (i % 4 == 0) {
      b = filled(rng.below(64), rng.next());
    } else {
      b = seeds[rng.below(seeds.size())];
      const int mutations = 1 + static_cast<int>(rng.below(4));
      for (int m = 0; m < mutations && !b.empty(); ++m) {
        const std::size_t at = rng.below(b.size());
        switch (rng.below(5)) {
          case 0: b[at] = static_cast<std::byte>(rng.next()); break;
          case 1: b[at] ^= static_cast<std::byte>(1u << rng.below(8)); break;
          case 2: b.resize(at); break;
          case 3: b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), static_cast<std::byte>(rng.next())); break;
          case 4: b[at] = static_cast<std::byte>(0xdd); break;  // a huge array32 header
        }
      }
    }
    feed(b, tally);
  }
  INFO("accepted " << tally.accepted << ", rejected " << tally.rejected);
  CHECK(tally.round_trip_failures == 0);
  CHECK(tally.rejected > 0);
  CHECK(tally.accepted > 0);
}

TEST_CASE("store decode: errors say what and where", "[store][fuzz]") {
  auto r = decode_entries(Bytes{std::byte{0x91}, std::byte{0x95}, std::byte{0xa0}});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error() == "array longer than the input at byte 2");
  auto huge = decode_entries(Bytes{std::byte{0xdd}, std::byte{0xff}, std::byte{0xff},
                                   std::byte{0xff}, std::byte{0xff}});
  REQUIRE_FALSE(huge.ok());
  Bytes trailing = encode_entries({});
  trailing.push_back(std::byte{0});
  auto t = decode_entries(trailing);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().find("trailing bytes") != std::string::npos);
}

TEST_CASE("store decode: invalid entries are refused", "[store][fuzz]") {
  Store s("o");
  s.put(kT0, "k", bytes_of("x"));
  std::vector<Entry> bad{*s.find("k")};
  bad[0].deleted = true;  // a tombstone with a value
  CHECK_FALSE(decode_entries(encode_entries(bad)).ok());
  bad[0].deleted = false;
  CHECK(decode_entries(encode_entries(bad)).ok());
  bad[0].key.clear();
  CHECK_FALSE(decode_entries(encode_entries(bad)).ok());
}
