// The view hash's per-member digests must agree across peers and releases: pinned values.
#include "gossip/digest.hpp"

#include <catch2/catch.hpp>

namespace sg = shoal::gossip;

TEST_CASE("digest64 and mix64 give the pinned values", "[digest]") {
  static_assert(sg::mix64(1) == 12994781566227106604ULL);  // MurmurHash3 fmix64(1)
  REQUIRE(sg::digest64("", 0) == 0);
  REQUIRE(sg::digest64("web/0", 7) == 8810299731907202607ULL);              // one partial word
  REQUIRE(sg::digest64("a longer name, seventeen+", 42) == 12503604060169356860ULL);  // 3 words + tail
}
