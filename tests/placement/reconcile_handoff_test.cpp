// Ownership changes: dead owner, make-before-break handoff, handoff timeout and progress.
#include <catch2/catch.hpp>

#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

TEST_CASE("reconcile handoff: owner dies -> the new owner starts at once") {
  Harness h;
  auto web = make_service("web", 3);
  h.services = {web};
  // b died: its instance web/1 is now ours. b is not live and reports nothing.
  h.assignment = assign({{"web", 0, "a"}, {"web", 1, "a"}, {"web", 2, "c"}});
  h.run(iid("web", 0), web, InstanceState::healthy);
  h.report("c", iid("web", 2), InstanceState::healthy, spec_hash(web));
  Plan p = h.step_apply(5000);
  REQUIRE(started(p) == Names{"web/1"});
  const StartAction* s = start_of(p, "web/1");
  CHECK(s->reason == StartReason::fresh);
  CHECK(s->spec_hash == spec_hash(web));
  CHECK(s->spec == web);
  CHECK(s->restarts == 0);
  CHECK(stopped(p).empty());
  CHECK(adopted(p) == Names{"web/0"});  // found running, not started by this Reconciler
  // Nothing more to do: no repeated start while it comes up, no repeated adopt.
  CHECK(h.step_apply(5001).actions.empty());
}

TEST_CASE("reconcile handoff: a status from a peer not in live_peers is ignored") {
  Harness h;
  auto web = make_service("web", 1);
  h.services = {web};
  h.assignment = assign(all_on("web", 1, "a"));
  h.report("b", iid("web", 0), InstanceState::healthy, spec_hash(web));
  h.live.erase("b");  // b died; the caller should have dropped its status, but did not
  Plan p = h.step(0);
  REQUIRE(started(p) == Names{"web/0"});
  CHECK(start_of(p, "web/0")->reason == StartReason::fresh);
}

TEST_CASE("reconcile handoff: a peer joins -> new owner starts, old owner keeps its copy") {
  auto web = make_service("web", 1, /*health_check=*/true);
  // The old owner, a: the instance now belongs to b (joined, live), which reports nothing yet.
  Harness old_owner;
  old_owner.services = {web};
  old_owner.assignment = assign({{"web", 0, "b"}});
  old_owner.live.insert("b");
  old_owner.run(iid("web", 0), web, InstanceState::healthy);
  Plan p = old_owner.step(0);
  CHECK(p.actions.empty());  // make-before-break: keep serving
  REQUIRE(p.wake_at);
  CHECK(*p.wake_at == 60000);

  // The new owner, b, sees a's healthy copy and starts its own at once.
  Harness new_owner({}, "b");
  new_owner.services = {web};
  new_owner.assignment = old_owner.assignment;
  new_owner.report("a", iid("web", 0), InstanceState::healthy, spec_hash(web));
  p = new_owner.step(0);
  REQUIRE(started(p) == Names{"web/0"});
  CHECK(start_of(p, "web/0")->reason == StartReason::handoff);
  CHECK(stopped(p).empty());
}

TEST_CASE("reconcile handoff: completes when the new copy is healthy at the same hash") {
  Harness h;
  auto web = make_service("web", 1, /*health_check=*/true);
  h.services = {web};
  h.assignment = assign({{"web", 0, "b"}});
  h.run(iid("web", 0), web, InstanceState::healthy);
  h.report("b", iid("web", 0), InstanceState::starting, spec_hash(web));
  CHECK(h.step(0).actions.empty());
  h.report("b", iid("web", 0), InstanceState::running, spec_hash(web));
  CHECK(h.step(1000).actions.empty());  // has a health check: running is not enough
  h.report("b", iid("web", 0), InstanceState::unhealthy, spec_hash(web));
  CHECK(h.step(2000).actions.empty());
  h.report("b", iid("web", 0), InstanceState::healthy, spec_hash(web));
  CHECK(stopped(h.step_apply(3000)) == Stops{{"web/0", StopReason::handed_off}});
  // While it stops, nothing more; once gone, nothing at all.
  CHECK(h.step(3001).actions.empty());
  h.finish_stops();
  Plan p = h.step(3002);
  CHECK(p.actions.empty());
  CHECK_FALSE(p.wake_at);
}

TEST_CASE("reconcile handoff: completes on running when the service has no health check") {
  Harness h;
  auto web = make_service("web", 1, /*health_check=*/false);
  h.services = {web};
  h.assignment = assign({{"web", 0, "b"}});
  h.run(iid("web", 0), web, InstanceState::running);
  h.report("b", iid("web", 0), InstanceState::starting, spec_hash(web));
  CHECK(h.step(0).actions.empty());
  h.report("b", iid("web", 0), InstanceState::running, spec_hash(web));
  CHECK(stopped(h.step(10)) == Stops{{"web/0", StopReason::handed_off}});
}

TEST_CASE("reconcile handoff: NOT completed by a copy at a different spec hash") {
  Harness h;
  auto web = make_service("web", 1, /*health_check=*/true);
  auto older = web;
  older.image = "old:1";
  h.services = {web};
  h.assignment = assign({{"web", 0, "b"}});
  h.run(iid("web", 0), web, InstanceState::healthy);
  // b has not learnt the current spec yet: its copy runs the old one.
  h.report("b", iid("web", 0), InstanceState::healthy, spec_hash(older));
  CHECK(h.step(0).actions.empty());
  CHECK(h.step(59999).actions.empty());
  // It made no progress at the current hash: the timeout still bounds the handoff.
  CHECK(stopped(h.step(60000)) == Stops{{"web/0", StopReason::handoff_timeout}});
}

TEST_CASE("reconcile handoff: times out after handoff_timeout without progress") {
  shoal::config::PeerConfig::Reconcile cfg;
  cfg.handoff_timeout = 20000;
  Harness h(cfg);
  auto web = make_service("web", 1);
  h.services = {web};
  h.assignment = assign({{"web", 0, "b"}});
  h.live.insert("b");
  h.run(iid("web", 0), web, InstanceState::running);
  CHECK(h.step(1000).actions.empty());
  CHECK(h.step(20999).actions.empty());
  CHECK(stopped(h.step(21000)) == Stops{{"web/0", StopReason::handoff_timeout}});
}

TEST_CASE("reconcile handoff: the timeout restarts whenever the new copy makes progress") {
  Harness h;  // 60 s
  auto web = make_service("web", 1, /*health_check=*/true);
  h.services = {web};
  h.assignment = assign({{"web", 0, "b"}});
  h.live.insert("b");
  h.run(iid("web", 0), web, InstanceState::healthy);
  CHECK(h.step(0).actions.empty());
  h.report("b", iid("web", 0), InstanceState::starting, spec_hash(web));
  CHECK(h.step(50000).actions.empty());  // progress: deadline now 110000
  CHECK(h.step(60000).actions.empty());
  h.report("b", iid("web", 0), InstanceState::running, spec_hash(web));
  Plan p = h.step(100000);  // progress again: deadline now 160000
  CHECK(p.actions.empty());
  REQUIRE(p.wake_at);
  CHECK(*p.wake_at == 160000);
  // Falling back (a crash, then starting again) is not progress: no rank above `running`.
  h.report("b", iid("web", 0), InstanceState::exited, spec_hash(web));
  CHECK(h.step(120000).actions.empty());
  h.report("b", iid("web", 0), InstanceState::starting, spec_hash(web));
  CHECK(h.step(130000).actions.empty());
  CHECK(h.step(159999).actions.empty());
  CHECK(stopped(h.step(160000)) == Stops{{"web/0", StopReason::handoff_timeout}});
}

TEST_CASE("reconcile handoff: a second owner change restarts the handoff toward the new one") {
  Harness h;
  auto web = make_service("web", 1);
  h.services = {web};
  h.live.insert("b");
  h.live.insert("c");
  h.assignment = assign({{"web", 0, "b"}});
  h.run(iid("web", 0), web, InstanceState::running);
  CHECK(h.step(0).actions.empty());
  h.assignment = assign({{"web", 0, "c"}});
  CHECK(h.step(40000).actions.empty());
  CHECK(h.step(60000).actions.empty());  // not b's deadline any more
  CHECK(stopped(h.step(100000)) == Stops{{"web/0", StopReason::handoff_timeout}});
}

TEST_CASE("reconcile handoff: the instance comes back before the handoff ends -> keep it") {
  Harness h;
  auto web = make_service("web", 1);
  h.services = {web};
  h.live.insert("b");
  h.assignment = assign({{"web", 0, "b"}});
  h.run(iid("web", 0), web, InstanceState::running);
  CHECK(h.step(0).actions.empty());
  h.assignment = assign({{"web", 0, "a"}});
  Plan p = h.step(70000);
  CHECK(stopped(p).empty());
  CHECK(started(p).empty());
  CHECK(adopted(p) == Names{"web/0"});
}

TEST_CASE("reconcile handoff: a dead local copy of an instance owned elsewhere is cleaned up") {
  Harness h;
  auto web = make_service("web", 1);
  h.services = {web};
  h.live.insert("b");
  h.assignment = assign({{"web", 0, "b"}});
  h.run(iid("web", 0), web, InstanceState::exited);
  CHECK(stopped(h.step(0)) == Stops{{"web/0", StopReason::not_owned}});
}

TEST_CASE("reconcile handoff: an unplaced instance keeps its running local copy") {
  Harness h;
  auto web = make_service("web", 1);
  h.services = {web};
  h.assignment = assign({{"web", 0, ""}});
  h.run(iid("web", 0), web, InstanceState::running);
  for (Millis t = 0; t <= 200000; t += 50000) CHECK(h.step(t).actions.empty());
}
