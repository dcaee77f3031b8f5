// The simulator's event queue: (time, sequence) order, so equal times run in the order queued.
#include <catch2/catch.hpp>

#include "sim/event_queue.hpp"

using namespace shoal::sim;

TEST_CASE("event queue: earliest time first, equal times in the order they were queued") {
  EventQueue q;
  q.push_at(30, Ev::sample, 1);
  q.push_at(10, Ev::tick, 2);
  q.push_at(30, Ev::converge_check, 3);
  q.push_at(10, Ev::reconcile, 4, 1, 7);
  std::vector<std::pair<Micros, std::uint32_t>> got;
  while (!q.empty()) {
    REQUIRE(q.next_time() >= q.now());
    Ev e = q.pop();
    q.set_now(e.time);
    got.emplace_back(e.time, e.peer);
  }
  CHECK(got == std::vector<std::pair<Micros, std::uint32_t>>{{10, 2}, {10, 4}, {30, 1}, {30, 3}});
  CHECK(q.now() == 30);
}

TEST_CASE("event queue: a reused slot carries the new event whole, bytes included") {
  EventQueue q;
  Ev a;
  a.time = 5;
  a.kind = Ev::deliver;
  a.bytes = shoal::gossip::Bytes(3, std::byte{1});
  q.push(std::move(a));
  Ev got = q.pop();
  CHECK(got.bytes.size() == 3);
  q.push_at(6, Ev::restart_up, 2, 9);  // into the freed slot
  Ev b = q.pop();
  CHECK(b.kind == Ev::restart_up);
  CHECK(b.peer == 2);
  CHECK(b.arg == 9);
  CHECK(b.bytes.empty());
  CHECK(b.seq == got.seq + 1);
}
