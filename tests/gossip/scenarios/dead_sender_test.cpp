// A datagram of any kind from the address of a member held dead gets the dead claim sent back,
// so the member refutes (engine_dead_sender.cpp). Across a partition every copy of the claim may
// be lost: without this the member learns of it only when it pings a holder, or at a push-pull.
#include <catch2/catch.hpp>

#include <string>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"
#include "hand_fed.hpp"
#include "sim_net.hpp"  // lan()

using namespace shoal::gossip;
using namespace shoal::gossip::testing;

namespace {

// The dead claims about `name` in what went to `to` (ours, and the claim's own broadcast, which
// rides along as a piggybacked update while it has transmits left).
std::size_t deads_to(const Outbox& out, const Address& to, const std::string& name) {
  return sent_about<wire::Dead>(out, to, name).size();
}

// "b" is up at incarnation `life`; "c" declared it dead at that life while cut off from it, and
// every copy of the claim was lost, so b holds itself alive and c alive.
struct Healed {
  Engine b{Identity{"b", addr(2), 0, {}}, lan(), 9};
  Engine c{Identity{"c", addr(3), 0, {}}, lan(), 7};
  Outbox b_out, out;
  std::uint64_t life = 0;
  Healed() {
    b.join(at(0), {}, b_out);
    b.handle_packet(at(10 * kMillis), addr(3), Channel::udp,
                    wire::encode(wire::Alive{"c", addr(3), 1, {}, 0}), b_out);
    life = b.incarnation();
    c.join(at(0), {}, out);
    c.handle_packet(at(10 * kMillis), addr(2), Channel::udp,
                    wire::encode(wire::Alive{"b", addr(2), life, {}, 0}), out);
    c.handle_packet(at(20 * kMillis), addr(4), Channel::udp,
                    wire::encode(wire::Dead{"b", life, "c"}), out);
    REQUIRE(c.find_member("b")->state == MemberState::dead);
    out.clear();
  }
  // c receives `bytes` at `t` from `from`.
  void to_c(Micros t, const Address& from, const Bytes& bytes, Channel ch = Channel::udp) {
    out.clear();
    c.handle_packet(at(t), from, ch, bytes, out);
  }
};

}  // namespace

TEST_CASE("dead sender: an ack or a gossip packet from a member held dead tells it, and it refutes",
          "[gossip][refute]") {
  Healed h;
  // An ack (to a probe c never sent) from b's address: c tells b.
  h.to_c(100 * kMillis, addr(2), wire::encode(wire::Ack{42}));
  REQUIRE(deads_to(h.out, addr(2), "b") >= 1);
  for (const auto& d : h.out.sends)
    if (d.to == addr(2)) h.b.handle_packet(at(110 * kMillis), addr(3), Channel::udp, d.bytes, h.b_out);
  CHECK(h.b.incarnation() == h.life + 1);  // b refuted
  CHECK(h.c.stats().dead_told == 1);

  // Gossip (a suspicion of someone else) from b within the probe interval: not told again.
  h.to_c(200 * kMillis, addr(2), wire::encode(wire::Suspect{"zz", 1, "b"}));
  CHECK(deads_to(h.out, addr(2), "b") == 0);
  // After it: told again (b's refutation might have been lost).
  h.to_c(100 * kMillis + lan().probe_interval, addr(2), wire::encode(wire::Suspect{"zz", 1, "b"}));
  CHECK(deads_to(h.out, addr(2), "b") >= 1);
  CHECK(h.c.stats().dead_told == 2);
}

TEST_CASE("dead sender: nothing for another address, the stream channel, or a packet carrying the refutation",
          "[gossip][refute]") {
  Healed h;
  h.to_c(100 * kMillis, addr(9), wire::encode(wire::Ack{42}));  // another host
  CHECK(h.out.sends.empty());
  h.to_c(100 * kMillis, Address{"10.0.0.2", 7951}, wire::encode(wire::Ack{42}));  // another port
  CHECK(h.out.sends.empty());
  h.to_c(100 * kMillis, addr(2), wire::encode(wire::Ping{7, "c", "b", addr(2)}), Channel::stream);
  CHECK(deads_to(h.out, addr(2), "b") == 0);
  // b's own alive at a newer life in the packet: c holds it alive again and says nothing.
  h.to_c(200 * kMillis, addr(2), wire::encode(wire::Alive{"b", addr(2), h.life + 1, {}, 0}));
  CHECK(h.c.find_member("b")->state == MemberState::alive);
  CHECK(deads_to(h.out, addr(2), "b") == 0);
  CHECK(h.c.stats().dead_told == 0);
  // Alive again, it is no longer looked up: a later packet from it tells nothing.
  h.to_c(300 * kMillis + lan().probe_interval, addr(2), wire::encode(wire::Ack{43}));
  CHECK(h.c.stats().dead_told == 0);
}

TEST_CASE("dead sender: the lookup follows a member that comes back from another address",
          "[gossip][refute]") {
  Healed h;
  // b comes back from a new address (a reclaim), then dies there.
  h.to_c(100 * kMillis, addr(5), wire::encode(wire::Alive{"b", addr(5), h.life, {}, 0}));
  REQUIRE(h.c.find_member("b")->state == MemberState::alive);
  h.to_c(200 * kMillis, addr(4), wire::encode(wire::Dead{"b", h.life, "d"}));
  REQUIRE(h.c.find_member("b")->state == MemberState::dead);
  h.to_c(300 * kMillis, addr(2), wire::encode(wire::Ack{1}));  // the old address: nobody there
  CHECK(h.c.stats().dead_told == 0);
  h.to_c(400 * kMillis, addr(5), wire::encode(wire::Ack{2}));
  CHECK(deads_to(h.out, addr(5), "b") >= 1);
  CHECK(h.c.stats().dead_told == 1);
}
