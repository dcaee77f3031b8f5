// Gates of the reconcile step: synced / solo, own health, start rate.
#include <catch2/catch.hpp>

#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

TEST_CASE("reconcile gates: not yet synced -> nothing started or stopped, adopted included") {
  Harness h;
  h.synced = false;
  h.services = {make_service("web", 2)};
  h.assignment = assign(all_on("web", 2, "a"));
  h.run(iid("web", 0), h.services[0]);                  // owned, running: adopt later
  h.run(iid("gone", 0), make_service("gone", 1));       // no service wants it
  h.run(iid("web", 5), h.services[0]);                  // scaled away
  Plan p = h.step(0);
  CHECK(p.actions.empty());
  CHECK_FALSE(p.wake_at);  // nobody alone: only gossip can open the gate
  CHECK_FALSE(h.reconciler.gate_open());

  h.synced = true;
  p = h.step(10);
  CHECK(h.reconciler.gate_open());
  CHECK(started(p) == Names{"web/1"});
  CHECK(stopped(p) == Stops{{"gone/0", StopReason::unwanted}, {"web/5", StopReason::unwanted}});
  CHECK(adopted(p) == Names{"web/0"});
}

TEST_CASE("reconcile gates: solo after solo_after with nobody reachable") {
  Harness h;  // solo_after defaults to 30 s
  h.synced = false;
  h.alone_since = 1000;
  h.services = {make_service("web", 1)};
  h.assignment = assign(all_on("web", 1, "a"));
  Plan p = h.step(30999);
  CHECK(p.actions.empty());
  REQUIRE(p.wake_at);
  CHECK(*p.wake_at == 31000);
  p = h.step(31000);
  CHECK(started(p) == Names{"web/0"});
  // The gate stays open once opened, even when the peer is no longer alone and not synced.
  h.alone_since.reset();
  h.local.clear();
  p = h.step(31500);
  CHECK(started(p) == Names{"web/0"});
}

TEST_CASE("reconcile gates: someone reachable but not synced keeps the gate shut") {
  Harness h;
  h.synced = false;
  h.services = {make_service("web", 1)};
  h.assignment = assign(all_on("web", 1, "a"));
  for (Millis t = 0; t <= 120000; t += 10000) CHECK(h.step(t).actions.empty());
}

TEST_CASE("reconcile gates: own health bad -> nothing new starts, evidence-backed stops happen") {
  Harness h;
  auto web = make_service("web", 2);
  h.services = {web};
  // web/0 is owned and absent; web/1 runs here but b owns it now (handoff away);
  // old/0 is unwanted.
  h.assignment = assign({{"web", 0, "a"}, {"web", 1, "b"}});
  h.live.insert("b");
  h.run(iid("web", 1), web, InstanceState::healthy);
  h.run(iid("old", 0), make_service("old", 1));
  h.health_bad = true;
  Plan p = h.step_apply(0);
  CHECK(started(p).empty());
  CHECK(stopped(p) == Stops{{"old/0", StopReason::unwanted}});
  h.finish_stops();

  // Still stalled past the handoff timeout: the timer restarts instead of firing.
  p = h.step_apply(100000);
  CHECK(p.actions.empty());
  REQUIRE(p.wake_at);
  CHECK(*p.wake_at == 160000);

  // Evidence still counts while stalled: b reports the copy healthy at the same hash.
  h.report("b", iid("web", 1), InstanceState::healthy, spec_hash(web));
  p = h.step_apply(100001);
  CHECK(stopped(p) == Stops{{"web/1", StopReason::handed_off}});
  CHECK(started(p).empty());

  // Health back: the owned instance starts.
  h.health_bad = false;
  p = h.step_apply(100002);
  CHECK(started(p) == Names{"web/0"});
}

TEST_CASE("reconcile gates: stalled -> a handoff timer restarts from the end of the stall") {
  Harness h;
  auto web = make_service("web", 1);
  h.services = {web};
  h.assignment = assign({{"web", 0, "b"}});
  h.live.insert("b");
  h.run(iid("web", 0), web, InstanceState::healthy);
  CHECK(h.step(0).actions.empty());  // handoff begins at 0
  h.health_bad = true;
  CHECK(h.step(50000).actions.empty());
  CHECK(h.step(70000).actions.empty());  // would have timed out at 60000
  h.health_bad = false;
  CHECK(h.step(129999).actions.empty());  // 60 s after the last stalled step (70000)
  CHECK(stopped(h.step(130000)) == Stops{{"web/0", StopReason::handoff_timeout}});
}

TEST_CASE("reconcile gates: a big failure starts at most max_starts_per_second") {
  Harness h;  // default 5 per second
  const int n = 23;
  h.services = {make_service("web", n)};
  h.assignment = assign(all_on("web", n, "a"));  // the old owner died: all of it is ours
  std::vector<Millis> start_times;
  Plan p = h.step_apply(0);
  CHECK(started(p).size() == 5);
  REQUIRE(p.wake_at);
  CHECK(*p.wake_at == 1000);
  for (int i = 0; i < 5; ++i) start_times.push_back(0);
  // Step often (every 50 ms) and whenever asked.
  for (Millis t = 50; t <= 10000; t += 50) {
    p = h.step_apply(t);
    for (std::size_t i = 0; i < started(p).size(); ++i) start_times.push_back(t);
  }
  CHECK(start_times.size() == static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < start_times.size(); ++i) {
    std::size_t in_window = 0;
    for (std::size_t j = i; j < start_times.size() && start_times[j] < start_times[i] + 1000; ++j) {
      ++in_window;
    }
    INFO("window from " << start_times[i]);
    CHECK(in_window <= 5);
  }
  // And it does not dawdle: 23 starts need 5 windows.
  CHECK(start_times.back() == 4000);
}

TEST_CASE("reconcile gates: max_starts_per_second = 0 means no limit") {
  shoal::config::PeerConfig::Reconcile cfg;
  cfg.max_starts_per_second = 0;
  Harness h(cfg);
  h.services = {make_service("web", 40)};
  h.assignment = assign(all_on("web", 40, "a"));
  CHECK(started(h.step(0)).size() == 40);
}

TEST_CASE("reconcile gates: failover starts go before handoff starts under the rate limit") {
  shoal::config::PeerConfig::Reconcile cfg;
  cfg.max_starts_per_second = 1;
  Harness h(cfg);
  auto web = make_service("web", 2);
  h.services = {web};
  h.assignment = assign(all_on("web", 2, "a"));
  // web/0 still runs on live peer b (handoff); web/1 runs nowhere (its owner died).
  h.report("b", iid("web", 0), InstanceState::healthy, spec_hash(web));
  Plan p = h.step_apply(0);
  REQUIRE(started(p) == Names{"web/1"});
  CHECK(start_of(p, "web/1")->reason == StartReason::fresh);
  p = h.step_apply(1000);
  REQUIRE(started(p) == Names{"web/0"});
  CHECK(start_of(p, "web/0")->reason == StartReason::handoff);
}
