// A packet's fate (sim/packet_fate.hpp): latency bounds, loss and duplication only on UDP, the
// stream factor, partitions two-way and one-way, the record of healed ones, and the order of the
// draws (the simulator's output for a seed depends on it).
#include <catch2/catch.hpp>

#include "sim/packet_fate.hpp"

using namespace shoal;
using namespace shoal::sim;
using gossip::Channel;
using gossip::kMillis;
using gossip::kSeconds;

namespace {

PacketFate fate_of(int peers, LinkModel m, std::uint64_t seed = 7) {
  PacketFate f(m, seed);
  for (int i = 0; i < peers; ++i) f.peer_added();
  return f;
}

}  // namespace

TEST_CASE("packet fate: latency within bounds, streams that many times slower, never lost") {
  LinkModel m;
  m.latency_min = 2 * kMillis;
  m.latency_max = 4 * kMillis;
  m.stream_latency_factor = 3;
  m.loss = 1.0;
  auto f = fate_of(2, m);
  for (int k = 0; k < 200; ++k) {
    CHECK(f.decide(0, 1, Channel::udp).copies == 0);
    const Fate s = f.decide(0, 1, Channel::stream);
    REQUIRE(s.copies == 1);
    CHECK(s.delay[0] >= 6 * kMillis);
    CHECK(s.delay[0] <= 12 * kMillis);
  }
}

TEST_CASE("packet fate: duplicates only UDP, each copy with its own latency") {
  LinkModel m;
  m.latency_min = 1 * kMillis;
  m.latency_max = 50 * kMillis;
  m.duplicate = 1.0;
  auto f = fate_of(2, m);
  int differ = 0;
  for (int k = 0; k < 50; ++k) {
    const Fate u = f.decide(0, 1, Channel::udp);
    REQUIRE(u.copies == 2);
    differ += u.delay[0] != u.delay[1];
    CHECK(f.decide(0, 1, Channel::stream).copies == 1);
  }
  CHECK(differ > 40);
}

TEST_CASE("packet fate: loss as a fraction, drawn from its own seed") {
  LinkModel m;
  m.loss = 0.25;
  auto a = fate_of(2, m, 11), b = fate_of(2, m, 11), c = fate_of(2, m, 12);
  int lost = 0, same_as_b = 0, same_as_c = 0;
  for (int k = 0; k < 4000; ++k) {
    const Fate fa = a.decide(0, 1, Channel::udp), fb = b.decide(0, 1, Channel::udp),
               fc = c.decide(0, 1, Channel::udp);
    lost += fa.copies == 0;
    same_as_b += fa.copies == fb.copies && fa.delay == fb.delay;
    same_as_c += fa.copies == fc.copies && fa.delay == fc.delay;
  }
  CHECK(lost > 850);
  CHECK(lost < 1150);
  CHECK(same_as_b == 4000);
  CHECK(same_as_c < 4000);
}

TEST_CASE("packet fate: draws the latency, then loss, then duplication and the copy's latency") {
  LinkModel m;
  m.latency_min = 1 * kMillis;
  m.latency_max = 9 * kMillis;
  m.loss = 0.5;
  m.duplicate = 0.5;
  auto f = fate_of(2, m, 3);
  gossip::Rng r(3);
  for (int k = 0; k < 100; ++k) {
    const Micros lat = r.between(m.latency_min, m.latency_max);
    const bool lost = r.below(1'000'000) < 500'000;
    const Fate got = f.decide(0, 1, Channel::udp);
    if (lost) {
      CHECK(got.copies == 0);
      continue;
    }
    CHECK(got.delay[0] == lat);
    const bool twice = r.below(1'000'000) < 500'000;
    REQUIRE(got.copies == (twice ? 2 : 1));
    if (twice) CHECK(got.delay[1] == r.between(m.latency_min, m.latency_max));
  }
}

TEST_CASE("packet fate: partitions cut both ways or one way, draw nothing, and are remembered") {
  auto f = fate_of(3, LinkModel{});
  f.partition({0, 0, 1}, false);
  CHECK(f.decide(0, 1, Channel::udp).copies == 1);
  CHECK(f.decide(0, 2, Channel::stream).copies == 0);
  CHECK(f.decide(2, 0, Channel::udp).copies == 0);
  f.peer_added();  // joins the last group
  CHECK(f.blocked(0, 3));
  CHECK_FALSE(f.blocked(2, 3));
  f.heal(10 * kSeconds);
  CHECK_FALSE(f.partitioned());
  CHECK_FALSE(f.blocked(0, 2));
  CHECK(f.split_recently(0, 2, 12 * kSeconds, 5 * kSeconds));
  CHECK_FALSE(f.split_recently(0, 1, 12 * kSeconds, 5 * kSeconds));
  CHECK_FALSE(f.split_recently(0, 2, 16 * kSeconds, 5 * kSeconds));
  f.partition({0, 0, 1, 1}, true);
  CHECK(f.blocked(0, 2));
  CHECK_FALSE(f.blocked(2, 0));

  // A cut packet draws nothing: the next fate is the same as on a network that never cut it.
  auto cut = fate_of(2, LinkModel{}), never = fate_of(2, LinkModel{});
  cut.partition({0, 1}, false);
  CHECK(cut.decide(0, 1, Channel::udp).copies == 0);
  cut.heal(1 * kSeconds);
  for (int k = 0; k < 20; ++k)
    CHECK(cut.decide(0, 1, Channel::udp).delay == never.decide(0, 1, Channel::udp).delay);
}

TEST_CASE("packet fate: with stream_loss a stream message waits out TCP's retransmissions") {
  LinkModel m;
  m.latency_min = m.latency_max = 1 * kMillis;
  m.stream_latency_factor = 1;
  m.loss = 0.25;
  m.stream_loss = true;
  auto f = fate_of(2, m, 5);
  // Over many fresh connections (each one a new pair's first message, or after the idle
  // deadline): a quarter of SYNs, SYN-ACKs and segments are lost, each costing its timeout.
  int late_1s = 0, late_200ms = 0, on_time = 0, n = 4000;
  Micros now = 0;
  for (int k = 0; k < n; ++k) {
    now += PacketFate::kStreamIdle + 1;  // the connection closed meanwhile: opened again
    const Fate s = f.decide(0, 1, Channel::stream, now);
    if (s.copies == 0) continue;
    if (s.delay[0] >= 1 * kSeconds) ++late_1s;
    else if (s.delay[0] >= 200 * kMillis) ++late_200ms;
    else ++on_time;
  }
  // P(SYN and SYN-ACK through) = 0.5625; of those, P(data through at once) = 0.75.
  CHECK(on_time > n * 0.38);
  CHECK(on_time < n * 0.46);
  CHECK(late_200ms > n * 0.11);  // 0.5625 * 0.25 * (0.75 + ...)
  CHECK(late_1s > n * 0.40);     // 0.4375: a handshake segment lost
  // On an open connection (used within the idle deadline) only the segment's own 200 ms.
  auto h = fate_of(2, m, 3);
  now = 1 * kSeconds;
  REQUIRE(h.decide(0, 1, Channel::stream, now).delay[0] < 5 * kSeconds);  // opened (this seed)
  int slow = 0, gone = 0;
  for (int k = 0; k < 400; ++k) {
    now += (k == 0 ? 5000 : 100) * kMillis;
    const Fate s = h.decide(1, 0, Channel::stream, now, true);  // answers on 0's connection
    if (s.copies == 0) {  // six losses in a row: past the deadline (p = 0.25^6)
      ++gone;
      continue;
    }
    slow += s.delay[0] >= 200 * kMillis;  // 200, 600, 1400 ms ... after 1, 2, 3 ... losses
    CHECK((s.delay[0] - 1 * kMillis) % (200 * kMillis) == 0);
  }
  CHECK(gone <= 1);
  CHECK(slow > 60);   // ~25%
  CHECK(slow < 140);
  // Without stream_loss the stream channel never loses (the draws as before).
  m.stream_loss = false;
  auto g = fate_of(2, m, 5);
  for (int k = 0; k < 100; ++k) CHECK(g.decide(0, 1, Channel::stream, k * kSeconds).delay[0] == 1 * kMillis);
}
