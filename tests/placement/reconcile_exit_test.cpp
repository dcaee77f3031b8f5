// Exits per restart policy, backoff, failed after max_attempts.
#include <catch2/catch.hpp>

#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;
using Condition = shoal::config::RestartPolicy::Condition;

namespace {

// One owned instance, started at t=0 and running at t=1.
Harness one_instance(Condition c, Millis delay = 1000, Millis max_delay = 60000,
                     int max_attempts = 0) {
  Harness h;
  auto svc = make_service("job", 1);
  svc.restart.condition = c;
  svc.restart.delay = delay;
  svc.restart.max_delay = max_delay;
  svc.restart.max_attempts = max_attempts;
  h.services = {svc};
  h.assignment = assign(all_on("job", 1, "a"));
  REQUIRE(started(h.step_apply(0)) == Names{"job/0"});
  h.set_state(iid("job", 0), InstanceState::running);
  REQUIRE(h.step_apply(1).actions.empty());
  return h;
}

// Exit with `code` at `t`; return the mark emitted.
MarkAction exit_at(Harness& h, Millis t, int code) {
  h.set_state(iid("job", 0), InstanceState::exited, code);
  Plan p = h.step_apply(t);
  auto m = marked(p);
  REQUIRE(m.size() == 1);
  CHECK(started(p).empty());
  return m[0];
}

}  // namespace

TEST_CASE("reconcile exit: restart any restarts a clean exit after the delay") {
  Harness h = one_instance(Condition::any);
  MarkAction m = exit_at(h, 100, 0);
  CHECK(m.state == InstanceState::pending);
  CHECK(m.exit_code == 0);
  CHECK(m.retry_at == 1100);
  CHECK(h.last.wake_at == std::optional<Millis>(1100));
  CHECK(h.step_apply(1099).actions.empty());  // marks are emitted once
  Plan p = h.step_apply(1100);
  REQUIRE(started(p) == Names{"job/0"});
  CHECK(start_of(p, "job/0")->reason == StartReason::restart);
  CHECK(start_of(p, "job/0")->restarts == 1);
}

TEST_CASE("reconcile exit: restart any restarts a failing exit too") {
  Harness h = one_instance(Condition::any);
  CHECK(exit_at(h, 100, 3).state == InstanceState::pending);
  CHECK(started(h.step_apply(1100)) == Names{"job/0"});
}

TEST_CASE("reconcile exit: on-failure leaves a clean exit as exited") {
  Harness h = one_instance(Condition::on_failure);
  MarkAction m = exit_at(h, 100, 0);
  CHECK(m.state == InstanceState::exited);
  CHECK(m.exit_code == 0);
  for (Millis t = 200; t < 600000; t += 50000) CHECK(h.step_apply(t).actions.empty());
  CHECK_FALSE(h.last.wake_at);
  CHECK(h.find(iid("job", 0))->state == InstanceState::exited);  // kept, shown as exited
}

TEST_CASE("reconcile exit: on-failure restarts a non-zero exit") {
  Harness h = one_instance(Condition::on_failure);
  MarkAction m = exit_at(h, 100, 137);
  CHECK(m.state == InstanceState::pending);
  CHECK(m.exit_code == 137);
  CHECK(started(h.step_apply(1100)) == Names{"job/0"});
}

TEST_CASE("reconcile exit: none never restarts, whatever the code") {
  for (int code : {0, 1}) {
    INFO("exit code " << code);
    Harness h = one_instance(Condition::none);
    MarkAction m = exit_at(h, 100, code);
    CHECK(m.state == InstanceState::exited);
    CHECK(m.exit_code == code);
    for (Millis t = 200; t < 600000; t += 50000) CHECK(started(h.step_apply(t)).empty());
  }
}

TEST_CASE("reconcile exit: backoff doubles from delay and is capped at max_delay") {
  Harness h = one_instance(Condition::any, /*delay=*/1000, /*max_delay=*/5000);
  const std::vector<Millis> expected = {1000, 2000, 4000, 5000, 5000, 5000};
  Millis t = 10;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("exit " << i);
    MarkAction m = exit_at(h, t, 1);
    CHECK(m.state == InstanceState::pending);
    CHECK(m.restarts == static_cast<int>(i));
    CHECK(m.retry_at - t == expected[i]);
    CHECK(h.step_apply(m.retry_at - 1).actions.empty());
    Plan p = h.step_apply(m.retry_at);
    REQUIRE(started(p) == Names{"job/0"});
    CHECK(start_of(p, "job/0")->restarts == static_cast<int>(i) + 1);
    h.set_state(iid("job", 0), InstanceState::running);
    t = m.retry_at + 100;  // crashes 100 ms after each start
  }
}

TEST_CASE("reconcile exit: failed after max_attempts restarts") {
  Harness h = one_instance(Condition::any, 1000, 60000, /*max_attempts=*/2);
  Millis t = 10;
  for (int i = 0; i < 2; ++i) {
    MarkAction m = exit_at(h, t, 1);
    REQUIRE(m.state == InstanceState::pending);
    REQUIRE(started(h.step_apply(m.retry_at)) == Names{"job/0"});
    h.set_state(iid("job", 0), InstanceState::running);
    t = m.retry_at + 100;
  }
  MarkAction m = exit_at(h, t, 1);
  CHECK(m.state == InstanceState::failed);
  CHECK(m.restarts == 2);
  CHECK(h.find(iid("job", 0))->state == InstanceState::failed);
  for (Millis u = t + 1; u < t + 3600000; u += 60000) CHECK(h.step_apply(u).actions.empty());
}

TEST_CASE("reconcile exit: max_attempts 0 means no limit") {
  Harness h = one_instance(Condition::any, 1000, 1000, /*max_attempts=*/0);
  Millis t = 10;
  for (int i = 0; i < 50; ++i) {
    MarkAction m = exit_at(h, t, 1);
    REQUIRE(m.state == InstanceState::pending);
    REQUIRE(started(h.step_apply(m.retry_at)) == Names{"job/0"});
    t = m.retry_at + 1;
  }
}

TEST_CASE("reconcile exit: a long healthy run resets the restart count and backoff") {
  Harness h = one_instance(Condition::any, 1000, 60000, /*max_attempts=*/2);
  MarkAction m = exit_at(h, 10, 1);
  REQUIRE(started(h.step_apply(m.retry_at)) == Names{"job/0"});
  h.set_state(iid("job", 0), InstanceState::running);
  h.step_apply(m.retry_at + 1);  // seen up from here
  const Millis exit_time = m.retry_at + 1 + 10 * 60 * 1000;
  m = exit_at(h, exit_time, 1);
  CHECK(m.state == InstanceState::pending);
  CHECK(m.restarts == 0);
  CHECK(m.retry_at == exit_time + 1000);  // back to the first delay
  // A shorter run does not reset: the count goes on (and max_attempts still bites).
  REQUIRE(started(h.step_apply(m.retry_at)) == Names{"job/0"});
  h.set_state(iid("job", 0), InstanceState::running);
  h.step_apply(m.retry_at + 1);
  m = exit_at(h, m.retry_at + 1 + 10 * 60 * 1000 - 2, 1);
  CHECK(m.state == InstanceState::pending);
  CHECK(m.restarts == 1);
}

TEST_CASE("reconcile exit: restarts wait for the gate, own health and the start rate") {
  Harness h = one_instance(Condition::any);
  MarkAction m = exit_at(h, 100, 1);
  h.health_bad = true;
  CHECK(h.step_apply(m.retry_at).actions.empty());
  CHECK(h.step_apply(m.retry_at + 5000).actions.empty());
  h.health_bad = false;
  CHECK(started(h.step_apply(m.retry_at + 5001)) == Names{"job/0"});
}

TEST_CASE("reconcile exit: a failed start reported as exited counts as an exit") {
  Harness h;
  auto svc = make_service("job", 1);
  svc.restart.delay = 500;
  h.services = {svc};
  h.assignment = assign(all_on("job", 1, "a"));
  REQUIRE(started(h.step_apply(0)) == Names{"job/0"});
  h.set_state(iid("job", 0), InstanceState::exited, 127);  // exec failed
  auto m = marked(h.step_apply(5));
  REQUIRE(m.size() == 1);
  CHECK(m[0].state == InstanceState::pending);
  CHECK(m[0].retry_at == 505);
}
