// Desired-state changes: scale up/down, service deleted, spec hash change (one at a time).
#include <catch2/catch.hpp>

#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

TEST_CASE("reconcile spec: scale up starts only the new instances") {
  Harness h;
  auto web = make_service("web", 2);
  h.services = {web};
  h.assignment = assign(all_on("web", 2, "a"));
  h.run(iid("web", 0), web);
  h.run(iid("web", 1), web);
  h.step_apply(0);
  h.services[0].replicas = 4;
  h.assignment = assign(all_on("web", 4, "a"));
  Plan p = h.step_apply(1000);
  CHECK(started(p) == Names{"web/2", "web/3"});
  CHECK(stopped(p).empty());
  // Same hash for the new ones as for the old ones: replicas is not in the hash.
  CHECK(start_of(p, "web/2")->spec_hash == h.find(iid("web", 0))->spec_hash);
}

TEST_CASE("reconcile spec: scale down stops the instances past replicas, restarts nothing") {
  Harness h;
  auto web = make_service("web", 3);
  h.services = {web};
  h.assignment = assign(all_on("web", 3, "a"));
  for (std::uint32_t i = 0; i < 3; ++i) h.run(iid("web", i), web);
  h.step_apply(0);
  h.services[0].replicas = 1;
  h.assignment = assign(all_on("web", 1, "a"));
  Plan p = h.step_apply(1000);
  CHECK(stopped(p) == Stops{{"web/1", StopReason::unwanted}, {"web/2", StopReason::unwanted}});
  CHECK(started(p).empty());
  // Even if a stale assignment still lists web/2, replicas decides what is wanted.
  h.finish_stops();
  h.run(iid("web", 2), web);
  h.assignment = assign(all_on("web", 3, "a"));
  p = h.step_apply(2000);
  CHECK(stopped(p) == Stops{{"web/2", StopReason::unwanted}});
  CHECK(started(p).empty());
}

TEST_CASE("reconcile spec: scaling keeps instances whose owner stays, across placement edits") {
  Harness h;
  auto web = make_service("web", 2);
  h.services = {web};
  h.assignment = assign(all_on("web", 2, "a"));
  h.run(iid("web", 0), web, InstanceState::healthy);
  h.run(iid("web", 1), web, InstanceState::healthy);
  h.step_apply(0);
  h.services[0].placement.max_per_peer = 5;
  h.services[0].restart.max_attempts = 3;
  h.services[0].stop_grace = 1;
  Plan p = h.step_apply(1000);
  CHECK(p.actions.empty());
}

TEST_CASE("reconcile spec: service deleted -> every local copy stops at once") {
  Harness h;
  auto web = make_service("web", 2);
  auto api = make_service("api", 1);
  h.services = {web, api};
  h.assignment = assign({{"api", 0, "a"}, {"web", 0, "a"}, {"web", 1, "b"}});
  h.live.insert("b");
  h.run(iid("api", 0), api);
  h.run(iid("web", 0), web);
  h.run(iid("web", 1), web);  // being handed away to b
  h.step_apply(0);
  h.services = {api};
  h.assignment = assign({{"api", 0, "a"}});
  Plan p = h.step_apply(10);
  CHECK(stopped(p) == Stops{{"web/0", StopReason::unwanted}, {"web/1", StopReason::unwanted}});
  CHECK(started(p).empty());
}

TEST_CASE("reconcile spec: a changed hash replaces instances one at a time") {
  Harness h;
  auto web = make_service("web", 3, /*health_check=*/true);
  h.services = {web};
  h.assignment = assign(all_on("web", 3, "a"));
  for (std::uint32_t i = 0; i < 3; ++i) h.run(iid("web", i), web, InstanceState::healthy);
  CHECK(adopted(h.step_apply(0)).size() == 3);

  auto v2 = web;
  v2.image = "web:2";
  h.services = {v2};
  const std::string new_hash = spec_hash(v2);
  Millis t = 1000;
  for (std::uint32_t i = 0; i < 3; ++i) {
    INFO("replacing web/" << i);
    Plan p = h.step_apply(t++);
    REQUIRE(stopped(p) == Stops{{"web/" + std::to_string(i), StopReason::replaced}});
    CHECK(started(p).empty());
    CHECK(h.step_apply(t++).actions.empty());  // still stopping
    h.finish_stops();
    p = h.step_apply(t++);
    REQUIRE(started(p) == Names{"web/" + std::to_string(i)});
    CHECK(start_of(p, "web/" + std::to_string(i))->reason == StartReason::replace);
    CHECK(start_of(p, "web/" + std::to_string(i))->spec_hash == new_hash);
    CHECK(stopped(p).empty());
    // The new copy is not healthy yet: no other old copy stops.
    h.set_state(iid("web", i), InstanceState::running);
    CHECK(h.step_apply(t++).actions.empty());
    h.set_state(iid("web", i), InstanceState::unhealthy);
    CHECK(h.step_apply(t++).actions.empty());
    h.set_state(iid("web", i), InstanceState::healthy);
  }
  CHECK(h.step_apply(t++).actions.empty());
  for (const auto& l : h.local) CHECK(l.spec_hash == new_hash);
}

TEST_CASE("reconcile spec: without a health check, running is enough to go on") {
  Harness h;
  auto web = make_service("web", 2);
  h.services = {web};
  h.assignment = assign(all_on("web", 2, "a"));
  h.run(iid("web", 0), web);
  h.run(iid("web", 1), web);
  h.step_apply(0);
  auto v2 = web;
  v2.env["X"] = "1";
  h.services = {v2};
  CHECK(stopped(h.step_apply(1)) == Stops{{"web/0", StopReason::replaced}});
  h.finish_stops();
  CHECK(started(h.step_apply(2)) == Names{"web/0"});
  CHECK(h.step_apply(3).actions.empty());  // starting
  h.set_state(iid("web", 0), InstanceState::running);
  CHECK(stopped(h.step_apply(4)) == Stops{{"web/1", StopReason::replaced}});
}

TEST_CASE("reconcile spec: no replacement while own health is bad") {
  Harness h;
  auto web = make_service("web", 1);
  h.services = {web};
  h.assignment = assign(all_on("web", 1, "a"));
  h.run(iid("web", 0), web);
  h.step_apply(0);
  auto v2 = web;
  v2.image = "web:2";
  h.services = {v2};
  h.health_bad = true;
  CHECK(h.step_apply(1).actions.empty());  // stopping now would leave nothing running
  h.health_bad = false;
  CHECK(stopped(h.step_apply(2)) == Stops{{"web/0", StopReason::replaced}});
}

TEST_CASE("reconcile spec: across peers, the lowest-named peer with stale copies goes first") {
  auto web = make_service("web", 2, /*health_check=*/true);
  auto v2 = web;
  v2.image = "web:2";
  Harness h({}, "b");
  h.services = {v2};
  h.assignment = assign({{"web", 0, "a"}, {"web", 1, "b"}});
  h.run(iid("web", 1), web, InstanceState::healthy);
  // a still runs its (owned) copy at the old hash: a's turn, b waits.
  h.report("a", iid("web", 0), InstanceState::healthy, spec_hash(web));
  CHECK(stopped(h.step_apply(0)).empty());
  // a replaced it; the new copy is on its way: b still waits.
  h.report("a", iid("web", 0), InstanceState::starting, spec_hash(v2));
  CHECK(stopped(h.step_apply(1)).empty());
  h.report("a", iid("web", 0), InstanceState::running, spec_hash(v2));
  CHECK(stopped(h.step_apply(2)).empty());  // health check: running is not ready
  h.report("a", iid("web", 0), InstanceState::healthy, spec_hash(v2));
  CHECK(stopped(h.step_apply(3)) == Stops{{"web/1", StopReason::replaced}});
}

TEST_CASE("reconcile spec: a stale copy on a peer that does not own it does not hold the turn") {
  auto web = make_service("web", 2);
  auto v2 = web;
  v2.image = "web:2";
  Harness h({}, "b");
  h.services = {v2};
  h.assignment = assign({{"web", 0, "c"}, {"web", 1, "b"}});
  h.run(iid("web", 1), web);
  // a runs web/0 at the old hash but is handing it to c: it will stop it, not replace it.
  h.report("a", iid("web", 0), InstanceState::running, spec_hash(web));
  CHECK(stopped(h.step_apply(0)) == Stops{{"web/1", StopReason::replaced}});
}

TEST_CASE("reconcile spec: an exited-for-good instance starts again under a new spec") {
  Harness h;
  auto job = make_service("job", 1);
  job.restart.condition = shoal::config::RestartPolicy::Condition::none;
  h.services = {job};
  h.assignment = assign(all_on("job", 1, "a"));
  h.step_apply(0);
  h.set_state(iid("job", 0), InstanceState::exited, 0);
  auto m = marked(h.step_apply(10));
  REQUIRE(m.size() == 1);
  CHECK(m[0].state == InstanceState::exited);
  CHECK(h.step_apply(100000).actions.empty());
  auto v2 = job;
  v2.command.push_back("--again");
  h.services = {v2};
  Plan p = h.step_apply(100001);
  REQUIRE(started(p) == Names{"job/0"});
  CHECK(start_of(p, "job/0")->spec_hash == spec_hash(v2));
  CHECK(start_of(p, "job/0")->reason == StartReason::replace);
}
