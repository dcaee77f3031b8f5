#include "gossip/hlc.hpp"

#include <catch2/catch.hpp>

using shoal::gossip::Hlc;

TEST_CASE("hlc: tick follows the wall clock and is strictly increasing", "[hlc]") {
  Hlc h;
  const std::uint64_t a = h.tick(1'700'000'000'000'000);
  CHECK(Hlc::physical_us(a) == 1'700'000'000'000'000);
  CHECK(Hlc::logical(a) == 0);
  const std::uint64_t b = h.tick(1'700'000'000'000'000);  // same millisecond
  CHECK(b == a + 1);
  const std::uint64_t c = h.tick(1'699'999'000'000'000);  // wall went backwards
  CHECK(c == b + 1);
  const std::uint64_t d = h.tick(1'700'000'001'000'000);
  CHECK(Hlc::physical_us(d) == 1'700'000'001'000'000);
  CHECK(Hlc::logical(d) == 0);
}

TEST_CASE("hlc: observe makes later ticks exceed remote timestamps", "[hlc]") {
  Hlc h;
  const std::uint64_t remote = Hlc::from_wall(5'000'000'000) + 7;
  h.observe(remote);
  const std::uint64_t t = h.tick(1'000'000'000);
  CHECK(t > remote);
  CHECK(Hlc::physical_us(t) == 5'000'000'000);
  h.observe(1);  // an older remote changes nothing
  CHECK(h.tick(0) == t + 1);
}

TEST_CASE("hlc: negative wall and saturation", "[hlc]") {
  CHECK(Hlc::from_wall(-5) == 0);
  Hlc h(UINT64_MAX);
  CHECK(h.tick(0) == UINT64_MAX);  // saturates rather than wrapping to zero
}
