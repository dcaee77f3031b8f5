// node/instance_changes.hpp: starts, stops and restarts from two successive reports.
#include <catch2/catch.hpp>

#include "node/instance_changes.hpp"

using shoal::node::InstanceChanges;
using shoal::placement::InstanceState;
using shoal::placement::InstanceStatus;
using shoal::placement::PeerStatus;

namespace {

InstanceStatus inst(const char* svc, std::uint32_t index, int restarts = 0) {
  InstanceStatus s;
  s.id = {svc, index};
  s.state = InstanceState::running;
  s.restarts = restarts;
  return s;
}

}  // namespace

TEST_CASE("instance changes: appearing, disappearing and restarting instances are counted") {
  InstanceChanges c;
  const PeerStatus none;
  const PeerStatus two{{inst("db", 0), inst("web", 1)}};
  c.add(none, two);
  CHECK(c.starts == 2);
  CHECK(c.stops == 0);
  // web/1 restarted twice, db/0 moved away, web/2 arrived.
  const PeerStatus next{{inst("web", 1, 2), inst("web", 2)}};
  c.add(two, next);
  CHECK(c.starts == 3);
  CHECK(c.stops == 1);
  CHECK(c.restarts == 2);
  // Nothing changed: nothing counted; restarts reset by a re-placement count nothing.
  c.add(next, next);
  c.add(next, PeerStatus{{inst("web", 1, 0), inst("web", 2)}});
  CHECK(c.starts == 3);
  CHECK(c.stops == 1);
  CHECK(c.restarts == 2);
  c.add(next, none);
  CHECK(c.stops == 3);
}
