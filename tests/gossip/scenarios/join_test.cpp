// Joining: through any of a list of seeds, retried until one answers.
#include <catch2/catch.hpp>

#include "cluster_util.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

TEST_CASE("join: retried until a seed answers, any seed of the list will do") {
  SimNet net(71);
  for (int i = 0; i < 4; ++i) net.add(peer_name(static_cast<std::size_t>(i)), lan());
  net.join_at(0, 0, {});
  net.join_at(10 * kMillis, 1, {0});
  net.run_until(1 * kSeconds);
  // p0 stops answering for 10 s; p2 tries to join through it alone, p3 through a list whose
  // first seed is p0 and second p1.
  net.freeze(0, 11 * kSeconds);
  net.join_at(1 * kSeconds, 2, {0});
  net.join_at(1 * kSeconds, 3, {0, 1});
  net.run_until(5 * kSeconds);
  CHECK_FALSE(net.engine(2).joined());
  CHECK(net.engine(3).joined());  // p1 answered
  Micros t = run_until_converged(net, 40 * kSeconds);
  REQUIRE(t > 0);
  CHECK(net.engine(2).joined());
  CHECK(t > 11 * kSeconds);  // p2 could only join after p0 came back: its retries did it
  std::size_t joins = count_events(net, EventKind::join_succeeded, 0);
  CHECK(joins == 3);  // p1, p2, p3 (p0 started alone)
}
