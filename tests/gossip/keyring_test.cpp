#include <catch2/catch.hpp>

#include <sodium.h>

#include <algorithm>

#include "gossip/keyring.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;

namespace {

SealKey key_from(std::uint64_t seed) {
  SealKey k;
  store_test::TestRng r(seed);
  for (auto& b : k) b = static_cast<std::byte>(r.next());
  return k;
}

}  // namespace

TEST_CASE("keyring: base64 of a key, both ways", "[keyring]") {
  SealKey zero{};
  CHECK(key_to_base64(zero) == "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  const SealKey k = key_from(1);
  const std::string b64 = key_to_base64(k);
  CHECK(b64.size() == 44);
  auto back = key_from_base64("  " + b64 + "\r");
  REQUIRE(back.ok());
  CHECK(*back == k);
  CHECK(generate_key(std::span<const std::byte, kSealKeyBytes>(k)) == b64);
  CHECK(key_from_base64("AAAA").error() == "key is 3 bytes, expected 32");
  CHECK(key_from_base64("not base64!").error() == "not valid base64");
  CHECK(key_from_base64("").error() == "empty key");
  // URL-safe alphabet or missing padding is not the ORIGINAL variant.
  std::string url = b64;
  std::replace(url.begin(), url.end(), '+', '-');
  std::replace(url.begin(), url.end(), '/', '_');
  if (url != b64) CHECK_FALSE(key_from_base64(url).ok());
  CHECK_FALSE(key_from_base64(b64.substr(0, 43)).ok());
}

TEST_CASE("keyring: parse the file text with comments and blank lines", "[keyring]") {
  const SealKey a = key_from(1), b = key_from(2);
  const std::string text = "# cluster keys, primary first\n\n" + key_to_base64(a) +
                           "   # primary\n\t\n" + key_to_base64(b) + "\r\n";
  auto keys = parse_keyring(text);
  REQUIRE(keys.ok());
  REQUIRE(keys->size() == 2);
  CHECK((*keys)[0] == a);
  CHECK((*keys)[1] == b);
  // Serialize and parse back.
  const std::string out = serialize_keyring(*keys);
  CHECK(out == key_to_base64(a) + "\n" + key_to_base64(b) + "\n");
  auto again = parse_keyring(out);
  REQUIRE(again.ok());
  CHECK(*again == *keys);
  // No trailing newline is fine.
  CHECK(parse_keyring(key_to_base64(a)).ok());
}

TEST_CASE("keyring: errors name the line", "[keyring]") {
  const std::string a = key_to_base64(key_from(1));
  CHECK(parse_keyring("# only\n\n").error() == "no keys");
  CHECK(parse_keyring("").error() == "no keys");
  CHECK(parse_keyring(a + "\n\n@@@@\n").error() == "line 3: not valid base64");
  CHECK(parse_keyring("# c\nAAAAAAAAAAAAAAAAAAAAAA==\n").error() ==
        "line 2: key is 16 bytes, expected 32");
  CHECK(parse_keyring(a + "\n" + a + "\n").error() == "line 2: duplicate key");
}

TEST_CASE("keyring: install, use and remove", "[keyring]") {
  const SealKey a = key_from(1), b = key_from(2), c = key_from(3);
  Keys ring{a};
  auto r1 = keyring_install(ring, b);
  REQUIRE(r1.ok());
  CHECK(*r1 == Keys{a, b});  // installed as secondary: a still seals
  CHECK(*keyring_install(*r1, b) == Keys{a, b});  // idempotent
  auto r2 = keyring_use(*r1, b);
  REQUIRE(r2.ok());
  CHECK(*r2 == Keys{b, a});
  CHECK(keyring_use(*r2, c).error() == "key is not installed");
  CHECK(keyring_remove(*r2, b).error() == "cannot remove the primary key");
  CHECK(keyring_remove(*r2, c).error() == "key is not installed");
  auto r3 = keyring_remove(*r2, a);
  REQUIRE(r3.ok());
  CHECK(*r3 == Keys{b});
  auto r4 = keyring_use(*keyring_install(Keys{a, b}, c), c);
  REQUIRE(r4.ok());
  CHECK(*r4 == Keys{c, a, b});
}

TEST_CASE("keyring: a full rotation keeps packets opening at every step", "[keyring][seal]") {
  const SealKey old_key = key_from(1), new_key = key_from(2);
  REQUIRE(sodium_init() >= 0);
  SealNonce nonce{};
  const Bytes msg = store_test::bytes_of("hello");
  Keys peer1{old_key}, peer2{old_key};
  // 1. install everywhere: both still seal with the old key, both open both.
  peer1 = *keyring_install(peer1, new_key);
  peer2 = *keyring_install(peer2, new_key);
  // 2. use on peer1 first: peer2 (still sealing with old) and peer1 (new) understand each other.
  peer1 = *keyring_use(peer1, new_key);
  CHECK(open_packet(peer2, "l", seal_packet(peer1.front(), "l", nonce, msg)).ok());
  CHECK(open_packet(peer1, "l", seal_packet(peer2.front(), "l", nonce, msg)).ok());
  peer2 = *keyring_use(peer2, new_key);
  // 3. remove the old key everywhere.
  peer1 = *keyring_remove(peer1, old_key);
  peer2 = *keyring_remove(peer2, old_key);
  CHECK(open_packet(peer2, "l", seal_packet(peer1.front(), "l", nonce, msg)).ok());
  CHECK_FALSE(open_packet(peer2, "l", seal_packet(old_key, "l", nonce, msg)).ok());
}

TEST_CASE("keyring: random text never crashes the parser", "[keyring][fuzz]") {
  const std::uint64_t seed = 78;
  INFO("seed " << seed);
  store_test::TestRng rng(seed);
  const std::string good = key_to_base64(key_from(1)) + "\n# c\n" + key_to_base64(key_from(2));
  int ok = 0;
  for (int i = 0; i < 20'000; ++i) {
    std::string t = good;
    for (int m = 0, n = 1 + static_cast<int>(rng.below(3)); m < n; ++m)
      t[rng.below(t.size())] = static_cast<char>(rng.next());
    auto r = parse_keyring(t);
    if (r.ok()) {
      ++ok;
      CHECK(*parse_keyring(serialize_keyring(*r)) == *r);
    } else {
      CHECK_FALSE(r.error().empty());
    }
  }
  CHECK(ok < 20'000);
}
