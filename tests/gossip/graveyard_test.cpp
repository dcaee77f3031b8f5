#include <catch2/catch.hpp>

#include "gossip/graveyard.hpp"

using namespace shoal::gossip;

TEST_CASE("graveyard: keeps each key's highest version, forgets by age and over budget",
          "[store][horizon]") {
  Graveyard g(3 * (Graveyard::kGraveOverhead + 2));  // three graves of key + origin 2 bytes
  g.bury("a", Version{20, "x"});
  g.bury("a", Version{10, "x"});  // lower: ignored
  REQUIRE(g.find("a") != nullptr);
  CHECK(*g.find("a") == Version{20, "x"});
  g.bury("b", Version{5, "x"});
  g.bury("c", Version{30, "x"});
  CHECK(g.size() == 3);
  CHECK(g.oldest_hlc() == 5);
  g.bury("d", Version{40, "x"});  // over budget: the oldest (b) goes
  CHECK(g.size() == 3);
  CHECK(g.find("b") == nullptr);
  CHECK(g.dropped() == 1);
  g.bury("a", Version{50, "y"});  // raised: moves to the young end
  CHECK(g.forget_below(35) == 1);  // c (30); a is now 50
  CHECK(g.find("c") == nullptr);
  CHECK(g.find("a") != nullptr);
  g.forget("a");
  g.forget("nope");
  CHECK(g.size() == 1);
  CHECK(g.bytes() == Graveyard::kGraveOverhead + 2);
  CHECK(g.forget_below(UINT64_MAX) == 1);
  CHECK(g.bytes() == 0);
  CHECK(g.oldest_hlc() == UINT64_MAX);
}
