// The broadcast tree on real peers (gossip/tree.hpp): with tree_min_members = 2, four agents
// carry their status/<peer> values along the tree over sealed UDP, and every peer's `ps`
// agrees on every instance.
#include <catch2/catch.hpp>

#include <fstream>

#include "cluster.hpp"

using shoal::test::agreed_running;
using shoal::test::Cluster;
using shoal::test::peers_upto;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;

TEST_CASE("tree: 4 real peers carry statuses along the broadcast tree", "[integration][tree]") {
  Cluster c(4, "gossip = { profile = \"fast\", join_grace = \"1s\", tree_min_members = 2 }\n");
  const auto all = peers_upto(4);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(1).dir + "/services/eight.toml")
      << "[service.eight]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 8\n";
  REQUIRE(wait_until(30s, [&] { return agreed_running(c, all, "eight", 8).has_value(); }));
  std::uint64_t pushes = 0;
  for (int i = 0; i < 4; ++i) {
    const auto st = c.get(i, "/v1/status");
    REQUIRE(st);
    const auto& tree = (*st)["stats"]["tree"];
    INFO("peer " << i << ": " << tree.dump());
    CHECK(tree["active"] == true);
    CHECK(tree["links"].get<int>() >= 1);
    CHECK(tree["refused"] == 0);
    CHECK(tree["values_in"].get<std::uint64_t>() > 0);  // the others' statuses came this way
    pushes += tree["pushes_out"].get<std::uint64_t>();
  }
  CHECK(pushes > 0);
}
