// A lost refutation: a peer that missed every copy of another's refutation declares it dead at
// its older incarnation, and the others ignore that stale claim. The accused answers the claim
// with its alive, straight to the claimant (who gossips to the dead, so the claim reaches it),
// at most once per probe interval each; the claimant then holds it alive again.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"
#include "hand_fed.hpp"
#include "sim_net.hpp"  // lan()

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

namespace {

std::size_t datagrams_to(const Outbox& out, const Address& to) {
  std::size_t n = 0;
  for (const auto& d : out.sends) n += d.to == to;
  return n;
}

// "a" knows "b" and "c"; "b" suspected its life `old` and "a" refuted (now `old + 1`), a
// refutation whose every copy is lost here (the outbox is dropped).
struct Accused {
  Engine e{Identity{"a", addr(1), 0, {}}, lan(), 5};
  Outbox out;
  std::uint64_t old = 0;
  Accused() {
    e.join(at(0), {}, out);
    old = e.incarnation();
    e.handle_packet(at(10 * kMillis), addr(2), Channel::udp,
                    wire::encode(wire::Alive{"b", addr(2), 1, {}, 0}), out);
    e.handle_packet(at(10 * kMillis), addr(3), Channel::udp,
                    wire::encode(wire::Alive{"c", addr(3), 1, {}, 0}), out);
    e.handle_packet(at(20 * kMillis), addr(2), Channel::udp,
                    wire::encode(wire::Suspect{"a", old, "b"}), out);
    REQUIRE(e.incarnation() == old + 1);
    out.clear();
  }
  void claim(Micros t, const wire::Message& m, const Address& from) {
    out.clear();
    e.handle_packet(at(t), from, Channel::udp, std::visit([](const auto& x) {
                      return wire::encode(x);
                    }, m), out);
  }
};

}  // namespace

TEST_CASE("stale claim: a dead claim about an older life is answered with our alive, to the claimant",
          "[gossip][refute]") {
  Accused a;
  a.claim(100 * kMillis, wire::Dead{"a", a.old, "c"}, addr(2));  // relayed by b, declared by c
  CHECK(datagrams_to(a.out, addr(3)) == 1);
  const auto to_c = sent_about<wire::Alive>(a.out, addr(3), "a");
  REQUIRE(!to_c.empty());
  CHECK(to_c[0].incarnation == a.old + 1);
  CHECK(to_c[0].addr == addr(1));
  CHECK(datagrams_to(a.out, addr(2)) == 0);     // the relay holds us alive already
  CHECK(a.e.incarnation() == a.old + 1);        // no new refutation: the claim was stale
  CHECK(a.e.stats().stale_claims_answered == 1);
  CHECK(a.e.stats().refutations == 1);

  // A suspect claim from c within the probe interval: not answered again; after it, answered.
  a.claim(600 * kMillis, wire::Suspect{"a", a.old, "c"}, addr(3));
  CHECK(datagrams_to(a.out, addr(3)) == 0);
  a.claim(100 * kMillis + lan().probe_interval, wire::Suspect{"a", a.old, "c"}, addr(3));
  CHECK(datagrams_to(a.out, addr(3)) == 1);
  CHECK(a.e.stats().stale_claims_answered == 2);
}

TEST_CASE("stale claim: a claim at our own incarnation is refuted as before, a stranger's is not answered",
          "[gossip][refute]") {
  Accused a;
  a.claim(100 * kMillis, wire::Dead{"a", a.old, "zz"}, addr(9));  // zz: not a member
  CHECK(a.out.sends.empty());

  a.claim(200 * kMillis, wire::Dead{"a", a.old, "a"}, addr(9));  // names us as the sender
  CHECK(a.out.sends.empty());
  CHECK(a.e.stats().stale_claims_answered == 0);
  a.claim(300 * kMillis, wire::Dead{"a", a.old + 1, "c"}, addr(3));  // the current life: refuted
  CHECK(a.e.incarnation() == a.old + 2);
  CHECK(a.e.stats().refutations == 2);
}

TEST_CASE("stale claim: the answer brings the claimant back to holding the accused alive",
          "[gossip][refute]") {
  Accused a;
  // "c" holds a dead at its older life: it missed the refutation.
  Engine c{Identity{"c", addr(3), 0, {}}, lan(), 7};
  Outbox out;
  c.join(at(0), {}, out);
  c.handle_packet(at(10 * kMillis), addr(1), Channel::udp,
                  wire::encode(wire::Alive{"a", addr(1), a.old, {}, 0}), out);
  c.handle_packet(at(20 * kMillis), addr(2), Channel::udp,
                  wire::encode(wire::Dead{"a", a.old, "c"}), out);
  REQUIRE(c.find_member("a")->state == MemberState::dead);
  // c gossips to the dead: the claim reaches a, whose answer reaches c.
  a.claim(100 * kMillis, wire::Dead{"a", a.old, "c"}, addr(3));
  std::size_t answers = 0;
  for (const auto& d : a.out.sends) {
    if (d.to != addr(3)) continue;
    ++answers;
    c.handle_packet(at(110 * kMillis), addr(1), Channel::udp, d.bytes, out);
  }
  REQUIRE(answers == 1);
  CHECK(c.find_member("a")->state == MemberState::alive);
  CHECK(c.find_member("a")->incarnation == a.old + 1);
}

TEST_CASE("dead sender: a member held dead that pings us is told so, and refutes",
          "[gossip][refute]") {
  // "c" declared "b" dead while cut off from it; every copy of the claim was lost, so b never
  // heard it. After the heal b pings c.
  Engine b{Identity{"b", addr(2), 0, {}}, lan(), 9};
  Outbox b_out;
  b.join(at(0), {}, b_out);
  b.handle_packet(at(10 * kMillis), addr(3), Channel::udp,
                  wire::encode(wire::Alive{"c", addr(3), 1, {}, 0}), b_out);
  const std::uint64_t life = b.incarnation();
  Engine c{Identity{"c", addr(3), 0, {}}, lan(), 7};
  Outbox out;
  c.join(at(0), {}, out);
  c.handle_packet(at(10 * kMillis), addr(2), Channel::udp,
                  wire::encode(wire::Alive{"b", addr(2), life, {}, 0}), out);
  c.handle_packet(at(20 * kMillis), addr(1), Channel::udp,
                  wire::encode(wire::Dead{"b", life, "c"}), out);
  REQUIRE(c.find_member("b")->state == MemberState::dead);
  const auto ping_from = [&](Micros t, const Address& a) {
    out.clear();
    c.handle_packet(at(t), a, Channel::udp, wire::encode(wire::Ping{7, "c", "b", addr(2)}), out);
  };
  ping_from(100 * kMillis, addr(2));
  for (const auto& d : out.sends)
    if (d.to == addr(2)) b.handle_packet(at(110 * kMillis), addr(3), Channel::udp, d.bytes, b_out);
  CHECK(b.incarnation() == life + 1);  // b refuted: c takes its alive, which is newer
  CHECK(c.stats().dead_told == 1);
  // Once per probe interval; never for a ping from another address.
  ping_from(200 * kMillis, addr(2));
  CHECK(c.stats().dead_told == 1);
  ping_from(100 * kMillis + lan().probe_interval, addr(9));
  CHECK(c.stats().dead_told == 1);
  ping_from(100 * kMillis + lan().probe_interval, addr(2));
  CHECK(c.stats().dead_told == 2);
}
