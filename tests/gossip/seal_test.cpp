#include <catch2/catch.hpp>

#include <sodium.h>

#include <vector>

#include "gossip/seal.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;

namespace {

SealKey seal_key_from(std::uint64_t seed) {
  SealKey k;
  store_test::TestRng r(seed);
  for (auto& b : k) b = static_cast<std::byte>(r.next());
  return k;
}
SealNonce nonce_from(std::uint64_t seed) {
  SealNonce n;
  store_test::TestRng r(seed);
  for (auto& b : n) b = static_cast<std::byte>(r.next());
  return n;
}
const bool kSodium = sodium_init() >= 0;  // the edge's job; tests are the edge here

}  // namespace

TEST_CASE("seal: round trip, layout and determinism", "[seal]") {
  REQUIRE(kSodium);
  const SealKey key = seal_key_from(1);
  const Bytes msg = store_test::bytes_of("ping from peer-1");
  const Bytes sealed = seal_packet(key, "prod", nonce_from(2), msg);
  CHECK(sealed.size() == msg.size() + kSealOverhead);
  CHECK(std::to_integer<int>(sealed[0]) == kSealVersion);
  const SealNonce n = nonce_from(2);
  CHECK(std::equal(n.begin(), n.end(), sealed.begin() + 10));
  CHECK(sealed == seal_packet(key, "prod", nonce_from(2), msg));  // same inputs, same bytes
  CHECK(sealed != seal_packet(key, "prod", nonce_from(3), msg));
  std::vector<SealKey> ring{key};
  auto opened = open_packet(ring, "prod", sealed);
  REQUIRE(opened.ok());
  CHECK(opened->plaintext == msg);
  CHECK(opened->key_index == 0);
  // An empty plaintext works too.
  auto empty = open_packet(ring, "prod", seal_packet(key, "prod", n, {}));
  REQUIRE(empty.ok());
  CHECK(empty->plaintext.empty());
}

TEST_CASE("seal: wrong key, wrong label, tampering and truncation fail", "[seal]") {
  REQUIRE(kSodium);
  const SealKey key = seal_key_from(1);
  const Bytes msg = store_test::filled(300, 9);
  const Bytes sealed = seal_packet(key, "prod", nonce_from(2), msg);
  std::vector<SealKey> ring{key};
  std::vector<SealKey> wrong{seal_key_from(5)};
  CHECK_FALSE(open_packet(wrong, "prod", sealed).ok());
  CHECK_FALSE(open_packet(ring, "staging", sealed).ok());
  CHECK_FALSE(open_packet(ring, "", sealed).ok());
  CHECK_FALSE(open_packet(std::vector<SealKey>{}, "prod", sealed).ok());
  for (std::size_t i = 0; i < sealed.size(); ++i) {  // every single byte is authenticated
    Bytes t = sealed;
    t[i] ^= std::byte{0x01};
    INFO("byte " << i);
    CHECK_FALSE(open_packet(ring, "prod", t).ok());
  }
  for (std::size_t n = 0; n < sealed.size(); n += 7) {
    INFO("length " << n);
    CHECK_FALSE(open_packet(ring, "prod", ByteView(sealed.data(), n)).ok());
  }
  Bytes longer = sealed;
  longer.push_back(std::byte{0});
  CHECK_FALSE(open_packet(ring, "prod", longer).ok());
  auto err = open_packet(ring, "prod", ByteView(sealed.data(), 10));
  CHECK(err.error() == "sealed packet truncated");
}

TEST_CASE("seal: rotation, a packet sealed with an old key still opens", "[seal]") {
  REQUIRE(kSodium);
  const SealKey old_key = seal_key_from(1), new_key = seal_key_from(2);
  const Bytes msg = store_test::bytes_of("state delta");
  const Bytes by_old = seal_packet(old_key, "prod", nonce_from(3), msg);
  const Bytes by_new = seal_packet(new_key, "prod", nonce_from(4), msg);
  std::vector<SealKey> ring{new_key, old_key};  // new primary, old secondary
  auto a = open_packet(ring, "prod", by_old);
  REQUIRE(a.ok());
  CHECK(a->plaintext == msg);
  CHECK(a->key_index == 1);
  auto b = open_packet(ring, "prod", by_new);
  REQUIRE(b.ok());
  CHECK(b->key_index == 0);
  // Once the old key is removed, its packets no longer open.
  std::vector<SealKey> only_new{new_key};
  CHECK_FALSE(open_packet(only_new, "prod", by_old).ok());
}

TEST_CASE("seal: random bytes never open and never crash", "[seal][fuzz]") {
  REQUIRE(kSodium);
  const std::uint64_t seed = 77;
  INFO("seed " << seed);
  store_test::TestRng rng(seed);
  std::vector<SealKey> ring{seal_key_from(1), seal_key_from(2)};
  for (int i = 0; i < 20'000; ++i) {
    const Bytes b = store_test::filled(rng.below(120), rng.next());
    REQUIRE_FALSE(open_packet(ring, "prod", b).ok());
  }
}

TEST_CASE("seal: known answer for the version 2 layout (channel and time bound)", "[seal]") {
  REQUIRE(kSodium);
  // Computed independently (HChaCha20 + ChaCha20-Poly1305 IETF from Python's cryptography):
  // key 00..1f, nonce 64..7b, label "kat", plaintext "shoal", stream, 1700000000123 ms.
  SealKey key;
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::byte>(i);
  SealNonce nonce;
  for (std::size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<std::byte>(100 + i);
  const SealStamp stamp{Channel::stream, 1'700'000'000'123};
  const Bytes sealed = seal_packet(key, "kat", nonce, store_test::bytes_of("shoal"), stamp);
  static const char* kHex =
      "02010000018bcfe5687b6465666768696a6b6c6d6e6f707172737475767778797a7b0f1b96d1936c2461736e2a"
      "3845358e973f0d556bb4";
  std::string hex;
  for (std::byte b : sealed) {
    static const char* d = "0123456789abcdef";
    hex += d[std::to_integer<int>(b) >> 4];
    hex += d[std::to_integer<int>(b) & 15];
  }
  CHECK(hex == kHex);
  std::vector<SealKey> ring{key};
  auto opened = open_packet(ring, "kat", sealed);
  REQUIRE(opened.ok());
  CHECK(opened->stamp == stamp);
  CHECK(opened->plaintext == store_test::bytes_of("shoal"));
}

TEST_CASE("seal: the channel and time are authenticated, freshness is a window both ways",
          "[seal]") {
  REQUIRE(kSodium);
  const SealKey key = seal_key_from(1);
  std::vector<SealKey> ring{key};
  const Bytes msg = store_test::bytes_of("alive");
  const std::int64_t t = 1'700'000'000'000;
  const Bytes udp = seal_packet(key, "prod", nonce_from(2), msg, SealStamp{Channel::udp, t});
  // Moving it to the other channel, or changing its time, breaks the tag.
  Bytes moved = udp;
  moved[1] = static_cast<std::byte>(Channel::stream);
  CHECK_FALSE(open_packet(ring, "prod", moved).ok());
  Bytes later = udp;
  later[9] ^= std::byte{0x01};
  CHECK_FALSE(open_packet(ring, "prod", later).ok());
  Bytes odd = udp;
  odd[1] = std::byte{7};
  CHECK(open_packet(ring, "prod", odd).error() == "unknown seal channel 7");
  auto o = open_packet(ring, "prod", udp);
  REQUIRE(o.ok());
  const std::int64_t w = 15'000;
  CHECK(seal_fresh(o->stamp, Channel::udp, t, w));
  CHECK(seal_fresh(o->stamp, Channel::udp, t + w, w));       // sealed w ago
  CHECK(seal_fresh(o->stamp, Channel::udp, t - w, w));       // sealer's clock w ahead
  CHECK_FALSE(seal_fresh(o->stamp, Channel::udp, t + w + 1, w));  // a replay, later
  CHECK_FALSE(seal_fresh(o->stamp, Channel::udp, t - w - 1, w));
  CHECK_FALSE(seal_fresh(o->stamp, Channel::stream, t, w));  // sealed for the other channel
  // Hostile extremes do not overflow into "fresh".
  CHECK_FALSE(seal_fresh(SealStamp{Channel::udp, INT64_MIN}, Channel::udp, INT64_MAX, w));
  CHECK_FALSE(seal_fresh(SealStamp{Channel::udp, INT64_MAX}, Channel::udp, INT64_MIN, w));
  CHECK_FALSE(seal_fresh(SealStamp{Channel::udp, t}, Channel::udp, t, -1));
}
