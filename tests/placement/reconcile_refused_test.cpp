// A start the driver refuses for good (LocalInstance::refused: e.g. volumes on the process
// driver) is failed at once, whatever the restart policy, and starts afresh on a spec change.
#include <catch2/catch.hpp>

#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

TEST_CASE("reconcile refused: failed at once even with unlimited attempts, restarted on a new spec") {
  Harness h;
  auto svc = make_service("db", 1);
  svc.restart.max_attempts = 0;  // no limit: an ordinary start failure would retry forever
  h.services = {svc};
  h.assignment = assign(all_on("db", 1, "a"));
  REQUIRE(started(h.step_apply(0)) == Names{"db/0"});
  h.set_state(iid("db", 0), InstanceState::exited, 127);
  h.find(iid("db", 0))->refused = true;
  Plan p = h.step_apply(1);
  auto m = marked(p);
  REQUIRE(m.size() == 1);
  CHECK(m[0].state == InstanceState::failed);
  CHECK(started(p).empty());
  CHECK_FALSE(h.last.wake_at);
  CHECK(h.step_apply(120'000).actions.empty());  // no back-off retry, ever
  // the fixed spec (another hash) starts afresh
  svc.command.push_back("--fixed");
  h.services = {svc};
  Plan fixed = h.step_apply(120'001);
  REQUIRE(started(fixed) == Names{"db/0"});
  CHECK(start_of(fixed, "db/0")->reason == StartReason::replace);
}

TEST_CASE("reconcile refused: an ordinary start failure still backs off") {
  Harness h;
  h.services = {make_service("db", 1)};
  h.assignment = assign(all_on("db", 1, "a"));
  REQUIRE(started(h.step_apply(0)) == Names{"db/0"});
  h.set_state(iid("db", 0), InstanceState::exited, 127);
  auto m = marked(h.step_apply(1));
  REQUIRE(m.size() == 1);
  CHECK(m[0].state == InstanceState::pending);
}
