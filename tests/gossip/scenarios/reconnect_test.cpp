// Reconnects to dead members: every reconnect_interval a peer pings one member it holds dead, a
// plain ping alone; only an ack (within a probe interval) earns that member a push-pull. A member
// that is really gone costs one small datagram per attempt, not a whole member table and store
// digest; one that answers (the other half of a healed partition) is merged as before.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"
#include "hand_fed.hpp"
#include "sim_net.hpp"

using namespace shoal::gossip;
using shoal::gossip::testing::kHandWall;
using shoal::gossip::testing::addr;
using shoal::gossip::testing::lan;

namespace {

// A peer "a" alone, which heard of "b" (at addr(2)) and then of its death.
struct HeardDeadFixture {
  Engine e{Identity{"a", addr(1), 0, {}}, lan(), 11};
  Outbox out;
  HeardDeadFixture() {
    e.join(Clock{0, kHandWall}, {}, out);
    e.handle_packet(Clock{10 * kMillis, kHandWall}, addr(2), Channel::udp,
                    wire::encode(wire::Alive{"b", addr(2), 1, {}, 0}), out);
    e.handle_packet(Clock{20 * kMillis, kHandWall}, addr(3), Channel::udp,
                    wire::encode(wire::Dead{"b", 1, "c"}), out);
    REQUIRE(e.find_member("b"));
    REQUIRE(e.find_member("b")->state == MemberState::dead);
    out.clear();
  }
  Clock at(Micros t) const { return Clock{t, kHandWall + t}; }
};

struct Sent {
  std::vector<std::uint32_t> lone_pings;  // seqs of datagrams that are exactly one ping to "b"
  std::size_t other_pings = 0;            // pings that came with anything else
  std::size_t push_pulls = 0;             // push-pull requests (not replies)
  std::size_t stream = 0;                 // anything on the stream channel
};

void tally(const Outbox& out, const Address& to, Sent& s) {
  std::vector<wire::Message> msgs;
  for (const auto& d : out.sends) {
    if (d.to != to) continue;
    if (d.channel == Channel::stream) ++s.stream;
    REQUIRE(wire::decode(d.bytes, msgs));
    for (const auto& m : msgs) {
      if (const auto* p = std::get_if<wire::Ping>(&m)) {
        if (msgs.size() == 1 && d.channel == Channel::udp && p->target == "b")
          s.lone_pings.push_back(p->seq);
        else
          ++s.other_pings;
      }
      if (const auto* pp = std::get_if<wire::PushPull>(&m); pp && !pp->reply) ++s.push_pulls;
    }
  }
}

// Ticks every 100 ms from `from` to `to` (inclusive), tallying what goes to addr(2).
void tick(HeardDeadFixture& f, Micros from, Micros to, Sent& s) {
  for (Micros t = from; t <= to; t += 100 * kMillis) {
    f.out.clear();
    f.e.handle_tick(f.at(t), f.out);
    tally(f.out, addr(2), s);
  }
}

}  // namespace

TEST_CASE("reconnect: a dead member that never answers gets only lone pings, never a push-pull") {
  HeardDeadFixture f;
  Sent s;
  tick(f, 100 * kMillis, 305 * kSeconds, s);
  // One attempt per reconnect_interval (30 s from join): 30 s, 60 s, ... 300 s.
  CHECK(s.lone_pings.size() == 10);
  CHECK(s.other_pings == 0);
  CHECK(s.stream == 0);
  CHECK(s.push_pulls == 0);
  CHECK(f.e.find_member("b")->state == MemberState::dead);
}

TEST_CASE("reconnect: an ack in time earns the dead member one push-pull, a late one none") {
  HeardDeadFixture f;
  Sent s;
  tick(f, 100 * kMillis, 30 * kSeconds, s);
  REQUIRE(s.lone_pings.size() == 1);
  REQUIRE(s.push_pulls == 0);

  // "b" answers 5 ms later: our push-pull goes to it, with "b" in it as dead so it can refute.
  const Micros t1 = 30 * kSeconds + 5 * kMillis;
  f.out.clear();
  f.e.handle_packet(f.at(t1), addr(2), Channel::udp, wire::encode(wire::Ack{s.lone_pings[0]}),
                    f.out);
  std::size_t found = 0;
  std::vector<wire::Message> msgs;
  for (const auto& d : f.out.sends) {
    if (d.to != addr(2) || d.channel != Channel::stream) continue;
    REQUIRE(wire::decode(d.bytes, msgs));
    for (const auto& m : msgs) {
      const auto* pp = std::get_if<wire::PushPull>(&m);
      if (!pp || pp->reply) continue;
      ++found;
      bool b_dead = false;
      for (const auto& r : pp->members)
        if (r.name == "b" && r.state == MemberState::dead) b_dead = true;
      CHECK(b_dead);
    }
  }
  CHECK(found == 1);

  // The same ack again (a duplicate) earns nothing more.
  f.out.clear();
  f.e.handle_packet(f.at(t1 + kMillis), addr(2), Channel::udp,
                    wire::encode(wire::Ack{s.lone_pings[0]}), f.out);
  Sent dup;
  tally(f.out, addr(2), dup);
  CHECK(dup.push_pulls == 0);

  // The next attempt (60 s) answered after its probe interval: too late, no push-pull.
  tick(f, 30 * kSeconds + 100 * kMillis, 60 * kSeconds, s);
  REQUIRE(s.lone_pings.size() == 2);
  f.out.clear();
  f.e.handle_packet(f.at(60 * kSeconds + f.e.config().probe_interval + 100 * kMillis), addr(2),
                    Channel::udp, wire::encode(wire::Ack{s.lone_pings[1]}), f.out);
  Sent late;
  tally(f.out, addr(2), late);
  CHECK(late.push_pulls == 0);
  CHECK(late.stream == 0);
}
