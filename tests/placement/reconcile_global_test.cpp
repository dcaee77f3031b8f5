// mode = "global": instance ids come from peer names (not 0..replicas-1), so an instance is
// wanted while the assignment lists it.
#include <catch2/catch.hpp>

#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

TEST_CASE("reconcile global: runs the assigned id whatever replicas says, stops it once unlisted") {
  Harness h;
  auto agent = make_service("agent", 1);
  agent.placement.mode = shoal::config::Placement::Mode::global;
  h.services = {agent};
  h.assignment = assign({{"agent", 123456789, "a"}, {"agent", 987654321, "b"}});
  h.live.insert("b");
  Plan p = h.step_apply(0);
  CHECK(started(p) == Names{"agent/123456789"});
  // This peer leaves the global service's peers (a constraint changed): its id is unlisted.
  h.assignment = assign({{"agent", 987654321, "b"}});
  p = h.step_apply(1000);
  CHECK(stopped(p) == Stops{{"agent/123456789", StopReason::unwanted}});
}
