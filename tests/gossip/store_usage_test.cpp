// usage/<peer> is owned like status/<peer>: only <peer> writes it, it goes with its member, and
// it rides the status lane (a burst of usage writes never delays a spec).
#include <catch2/catch.hpp>

#include "gossip/store.hpp"
#include "store_test_util.hpp"

using namespace shoal::gossip;
using namespace store_test;

TEST_CASE("store: usage/<peer> is written only by <peer> and forgotten with it", "[store]") {
  Store s("me");
  CHECK(s.merge(kT0, Entry{"usage/p1", {Hlc::from_wall(kT0), "p1"}, false, bytes_of("u")}) ==
        MergeResult::applied);
  CHECK(s.merge(kT0, Entry{"usage/p2", {Hlc::from_wall(kT0), "p1"}, false, bytes_of("x")}) ==
        MergeResult::refused_foreign);
  CHECK(s.find("usage/p2") == nullptr);
  s.take_changed();
  CHECK(s.forget_member("p1"));  // no status/p1, but its usage goes
  CHECK(s.find("usage/p1") == nullptr);
  CHECK(s.take_changed() == std::vector<std::string>{"usage/p1"});
  CHECK_FALSE(s.forget_member("p1"));
  CHECK(Store::usage_key("a") == "usage/a");
  CHECK(per_peer_owner("usage/a") == std::optional<std::string_view>("a"));
  CHECK(per_peer_owner("status/b") == std::optional<std::string_view>("b"));
  CHECK_FALSE(per_peer_owner("spec/usage/a"));
}
