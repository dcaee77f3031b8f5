// The drain state machine on virtual time: each way out of handoff and of stopping, the seq
// fence (a step in flight when a phase began does not count), and the bounds.
#include <catch2/catch.hpp>

#include "node/peer/drain.hpp"

using shoal::node::Drain;
using shoal::node::DrainView;
using Phase = Drain::Phase;

namespace {

// A peer with others alive, 2 instances running, reconciler in step at seq 10.
DrainView busy(std::int64_t now) {
  DrainView v;
  v.now = now;
  v.others_alive = true;
  v.have_status = true;
  v.submitted = 10;
  v.stepped = 10;
  v.active = 2;
  v.local = 2;
  v.max_stop_grace = 5000;
  return v;
}

Drain started(const DrainView& v, std::int64_t handoff_timeout = 20000) {
  Drain d;
  d.start(v, handoff_timeout);
  REQUIRE(d.phase() == Phase::handoff);
  return d;
}

}  // namespace

TEST_CASE("drain: handoff waits while instances run here, ends when a later step finds none",
          "[node][drain]") {
  Drain d = started(busy(1000));
  CHECK(d.active());
  CHECK_FALSE(d.stopping_all());
  CHECK(d.advance(busy(1200)).empty());
  // Nothing runs any more, but the last report is of a step submitted before the drain began.
  DrainView v = busy(1400);
  v.active = 0;
  v.local = 0;
  CHECK(d.advance(v).empty());
  CHECK(d.phase() == Phase::handoff);
  v.submitted = v.stepped = 11;
  auto notes = d.advance(v);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].text == "drained: nothing runs here any more");
  CHECK(d.phase() == Phase::stopping);
  CHECK(d.stopping_all());
  // Stopping needs a step submitted after it began that reports nothing here.
  CHECK(d.advance(v).empty());
  v.submitted = v.stepped = 12;
  CHECK(d.advance(v).empty());
  CHECK(d.phase() == Phase::done);
}

TEST_CASE("drain: no other peer alive or the runtime down ends the handoff at once",
          "[node][drain]") {
  DrainView alone = busy(0);
  alone.others_alive = false;
  Drain a = started(alone);
  auto notes = a.advance(alone);
  REQUIRE(!notes.empty());
  CHECK(notes[0].text == "no other peer is alive: not waiting");
  CHECK(notes[1].text == "stopping 2 remaining instance(s) (up to 7000 ms)");
  CHECK(a.phase() == Phase::stopping);

  DrainView down = busy(0);
  down.runtime_down = true;
  Drain b = started(down);
  notes = b.advance(down);
  CHECK(notes[0].text == "runtime unavailable: nothing can be handed off");
  CHECK(b.phase() == Phase::done);  // nothing can be stopped either
}

TEST_CASE("drain: the handoff is bounded by handoff_timeout, at most 30 s", "[node][drain]") {
  Drain d = started(busy(0), 20000);
  CHECK(d.handoff_bound() == 20000);
  CHECK(d.advance(busy(19999)).empty());
  auto notes = d.advance(busy(20000));
  CHECK(notes[0].text == "drain bound reached with 2 instance(s) still here");
  CHECK(d.phase() == Phase::stopping);

  Drain capped = started(busy(0), 600000);
  CHECK(capped.handoff_bound() == Drain::kHandoffCap);
  CHECK(capped.advance(busy(Drain::kHandoffCap - 1)).empty());
  CHECK_FALSE(capped.advance(busy(Drain::kHandoffCap)).empty());
}

TEST_CASE("drain: stopping is bounded by the largest stop_grace + 2 s, at most 30 s, and warns",
          "[node][drain]") {
  Drain d = started(busy(0), 1000);
  d.advance(busy(1000));  // handoff bound
  CHECK(d.stop_bound() == 7000);
  CHECK(d.advance(busy(7999)).empty());
  auto notes = d.advance(busy(8000));
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].warning);
  CHECK(notes[0].text == "stop bound reached with 2 instance(s) still here");
  CHECK(d.phase() == Phase::done);

  DrainView slow = busy(0);
  slow.max_stop_grace = 120000;
  Drain c = started(slow, 1000);
  slow.now = 1000;
  c.advance(slow);
  CHECK(c.stop_bound() == Drain::kStopCap);
}

TEST_CASE("drain: no report from the reconciler yet: nothing to wait for once stopping",
          "[node][drain]") {
  DrainView v = busy(0);
  v.have_status = false;
  Drain d = started(v, 1000);
  v.now = 1000;
  auto notes = d.advance(v);
  REQUIRE(notes.size() == 1);  // no "stopping N remaining" without a report
  CHECK(d.phase() == Phase::done);
}

TEST_CASE("drain: start only from none, and advance before start does nothing", "[node][drain]") {
  Drain d;
  CHECK(d.advance(busy(0)).empty());
  CHECK(d.phase() == Phase::none);
  d.start(busy(0), 1000);
  d.start(busy(500), 90000);  // ignored: already draining
  CHECK(d.handoff_bound() == 1000);
}
