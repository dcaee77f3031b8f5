// The registry of held blocking queries: bounded, released on change or at their deadline.
#include <catch2/catch.hpp>

#include "node/peer/held_queries.hpp"

using shoal::node::HeldQueries;

TEST_CASE("held queries: released when their service's index changes", "[node][peer][catalog]") {
  HeldQueries h;
  auto a = h.hold("web", 7, 1000);
  auto b = h.hold("web", 8, 1000);
  auto c = h.hold("api", 7, 1000);
  REQUIRE((a && b && c));
  CHECK(h.services() == std::set<std::string>{"api", "web"});
  CHECK(h.changed("web", 7) == std::vector<std::uint64_t>{*b});  // a saw 7: still current
  CHECK(h.size() == 2);
  CHECK(h.changed("web", 9) == std::vector<std::uint64_t>{*a});
  CHECK(h.changed("web", 9).empty());  // released once
  CHECK(h.services() == std::set<std::string>{"api"});
}

TEST_CASE("held queries: released at their deadline, earliest first known", "[node][peer][catalog]") {
  HeldQueries h;
  auto a = h.hold("web", 1, 2000);
  auto b = h.hold("web", 1, 1000);
  CHECK(*h.next_deadline() == 1000);
  CHECK(h.due(999).empty());
  CHECK(h.due(1000) == std::vector<std::uint64_t>{*b});
  CHECK(*h.next_deadline() == 2000);
  h.drop(*a);  // its client went away
  CHECK(h.empty());
  CHECK_FALSE(h.next_deadline());
  h.drop(12345);  // unknown: ignored
}

TEST_CASE("held queries: at most max, a freed slot is reused", "[node][peer][catalog]") {
  HeldQueries h(32);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 32; ++i) ids.push_back(*h.hold("web", 1, 1000));
  CHECK_FALSE(h.hold("web", 1, 1000));
  h.drop(ids[5]);
  auto again = h.hold("web", 1, 1000);
  REQUIRE(again);
  CHECK(std::find(ids.begin(), ids.end(), *again) == ids.end());  // ids are never reused
  CHECK(h.size() == 32);
}
