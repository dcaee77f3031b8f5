// The pure rules of cluster-wide key rotation: the replicated keyring value, digests that never
// show a key, and which operations wait for every peer.
#include <catch2/catch.hpp>

#include <sodium.h>

#include "node/key_rotation.hpp"
#include "node/sealer.hpp"

using namespace shoal::node;

namespace {

shoal::gossip::SealKey key_of(const std::string& b64) {
  return shoal::gossip::key_from_base64(b64).value();
}

}  // namespace

TEST_CASE("the replicated keyring round-trips and refuses anything but 1..16 valid keys",
          "[node][keys]") {
  REQUIRE(sodium_init() >= 0);
  const std::string a = new_key_base64(), b = new_key_base64();
  shoal::gossip::Keys ring{key_of(a), key_of(b)};
  auto back = decode_ring(encode_ring(ring));
  REQUIRE(back);
  CHECK(*back == ring);
  CHECK_FALSE(decode_ring(""));
  CHECK_FALSE(decode_ring("\xff\xfe"));
  CHECK_FALSE(decode_ring(R"({"v":1,"keys":[]})"));
  CHECK_FALSE(decode_ring(R"({"v":2,"keys":[")" + a + R"("]})"));
  CHECK_FALSE(decode_ring(R"({"v":1,"keys":[")" + a + R"(",")" + a + R"("]})"));  // duplicate
  CHECK_FALSE(decode_ring(R"({"v":1,"keys":["bm90IGEga2V5"]})"));                // 9 bytes
  CHECK_FALSE(decode_ring(R"({"v":1,"keys":[5]})"));
  std::string many = R"({"v":1,"keys":[)";
  for (int i = 0; i < 17; ++i) many += (i ? ",\"" : "\"") + new_key_base64() + "\"";
  CHECK_FALSE(decode_ring(many + "]}"));
}

TEST_CASE("digests and fingerprints name keyrings and keys without showing them",
          "[node][keys]") {
  REQUIRE(sodium_init() >= 0);
  const std::string a = new_key_base64(), b = new_key_base64();
  shoal::gossip::Keys ab{key_of(a), key_of(b)}, ba{key_of(b), key_of(a)};
  CHECK(ring_digest(ab).size() == 16);
  CHECK(ring_digest(ab) != ring_digest(ba));  // the primary matters
  CHECK(key_fingerprint(key_of(a)).size() == 16);
  CHECK(key_fingerprint(key_of(a)) != key_fingerprint(key_of(b)));
  CHECK(a.find(key_fingerprint(key_of(a))) == std::string::npos);
}

TEST_CASE("install goes at once, use and remove wait until every live peer has the keyring",
          "[node][keys]") {
  REQUIRE(sodium_init() >= 0);
  const std::string a = new_key_base64(), b = new_key_base64();
  shoal::gossip::Keys one{key_of(a)};
  auto inst = plan_key_op("install", b, one, false);
  REQUIRE(inst.error.empty());
  CHECK(inst.next == shoal::gossip::Keys{key_of(a), key_of(b)});
  auto early = plan_key_op("use", b, inst.next, false);
  CHECK_FALSE(early.error.empty());
  CHECK_FALSE(early.bad_input);
  auto use = plan_key_op("use", b, inst.next, true);
  REQUIRE(use.error.empty());
  CHECK(use.next == shoal::gossip::Keys{key_of(b), key_of(a)});
  CHECK_FALSE(plan_key_op("remove", a, use.next, false).error.empty());
  auto rm = plan_key_op("remove", a, use.next, true);
  REQUIRE(rm.error.empty());
  CHECK(rm.next == shoal::gossip::Keys{key_of(b)});
  CHECK(plan_key_op("remove", b, rm.next, true).error.find("primary") != std::string::npos);
  CHECK(plan_key_op("frob", b, one, true).bad_input);
  CHECK(plan_key_op("install", "nope", one, true).bad_input);
}
