// Engine::start_formed (a simulator's start from a running cluster) and the view hash it is
// judged by: the same view however it was reached, a different one for any member change.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"
#include "hand_fed.hpp"
#include "sim_net.hpp"

using namespace shoal::gossip;
using shoal::gossip::testing::kHandWall;
using shoal::gossip::testing::lan;
using shoal::gossip::testing::SimNet;

namespace {

Meta meta_for(int i) {
  Meta m;
  m.zone = "z" + std::to_string(i % 3);
  m.cpu_milli = 1000 * (1 + i % 4);
  m.memory_mib = 1024;
  m.ready = true;
  return m;
}

void add_peers(SimNet& net, int n) {
  for (int i = 0; i < n; ++i) net.add("p" + std::to_string(i), lan(), 0, meta_for(i));
}

std::size_t count(const SimNet& net, EventKind k) {
  std::size_t c = 0;
  for (const auto& r : net.events()) c += r.event.kind == k;
  return c;
}

}  // namespace

TEST_CASE("formed: every view is whole and equal from the start, and nothing is re-announced") {
  SimNet net(11);
  net.share_interner();
  add_peers(net, 40);
  net.form_at(0);
  net.run_until(1);
  CHECK(net.converged());
  CHECK(net.view_hashes_equal());
  for (std::size_t i = 0; i < net.size(); ++i) {
    CHECK(net.engine(i).member_count() == 40);
    CHECK(net.engine(i).joined());
    CHECK(net.engine(i).pending_broadcasts() == 0);  // neither us nor the others to announce
  }
  net.run_until(20 * kSeconds);
  CHECK(net.converged());
  CHECK(net.view_hashes_equal());
  CHECK(count(net, EventKind::member_joined) == 0);
  CHECK(count(net, EventKind::member_suspect) == 0);
  // Probes run: 40 peers x ~20 probe periods, a ping and an ack each.
  CHECK(net.datagrams() > 40 * 15 * 2);
  CHECK(net.datagrams() < 40 * 25 * 3);
}

TEST_CASE("formed: a crash is detected by everyone, and a late joiner is learned") {
  SimNet net(12);
  net.share_interner();
  add_peers(net, 30);
  net.form_at(0);
  net.at(5 * kSeconds, [&] { net.crash(7); });
  net.run_until(40 * kSeconds);
  for (std::size_t i = 0; i < net.size(); ++i)
    if (i != 7) CHECK(net.state_at(i, "p7") == MemberState::dead);
  const std::size_t late = net.add("late", lan(), 0, meta_for(99));
  net.join_at(41 * kSeconds, late, {3});
  net.run_until(70 * kSeconds);
  for (std::size_t i = 0; i < net.size(); ++i)
    if (i != 7) CHECK(net.state_at(i, "late") == MemberState::alive);
  CHECK(net.converged());  // (view hashes differ: the joiner never takes in the dead p7)
}

TEST_CASE("formed and joined: the same cluster ends in the same view") {
  auto run = [](bool formed) {
    SimNet net(13);
    net.share_interner();
    add_peers(net, 20);
    if (formed) {
      net.form_at(0);
    } else {
      for (std::size_t i = 0; i < net.size(); ++i) net.join_at(static_cast<Micros>(i) * 10 * kMillis, i, {0});
    }
    net.run_until(60 * kSeconds);
    REQUIRE(net.converged());
    REQUIRE(net.view_hashes_equal());
    return net.engine(5).view_hash();
  };
  CHECK(run(true) == run(false));
}

TEST_CASE("view hash: the same members in any order and by any history hash alike, any change shows") {
  // Three engines with the same identity learn p1..p5 differently.
  auto member = [](int i, std::uint64_t inc, MemberState st, Meta m) {
    wire::MemberRecord r;
    r.name = "p" + std::to_string(i);
    r.addr = Address{"10.0.0." + std::to_string(i), 7950};
    r.incarnation = inc;
    r.state = st;
    r.meta = std::move(m);
    return r;
  };
  auto reply = [](std::vector<wire::MemberRecord> members) {
    wire::PushPull pp;
    pp.reply = true;
    pp.members = std::move(members);
    return wire::encode(pp);
  };
  const Identity self{"x", Address{"10.0.0.200", 7950}, 0, meta_for(0)};
  const Address from{"10.0.0.1", 7950};
  Outbox out;

  Engine a(self, lan(), 1);
  a.join(Clock{0, kHandWall}, {}, out);
  std::vector<wire::MemberRecord> fwd;
  for (int i = 1; i <= 5; ++i) fwd.push_back(member(i, i == 3 ? 2 : 1, MemberState::alive, meta_for(i)));
  a.handle_packet(Clock{1000, kHandWall}, from, Channel::stream, reply(fwd), out);

  Engine b(self, lan(), 2);  // reverse order; p3 first suspect at 1, then alive at 2
  b.join(Clock{0, kHandWall}, {}, out);
  std::vector<wire::MemberRecord> rev;
  for (int i = 5; i >= 1; --i) rev.push_back(member(i, 1, i == 3 ? MemberState::suspect : MemberState::alive, meta_for(i)));
  b.handle_packet(Clock{1000, kHandWall}, from, Channel::stream, reply(rev), out);
  b.handle_packet(Clock{2000, kHandWall}, from, Channel::stream,
                  reply({member(3, 2, MemberState::alive, meta_for(3))}), out);
  REQUIRE(a.member_count() == 6);
  REQUIRE(b.member_count() == 6);
  CHECK(a.view_hash() == b.view_hash());

  Engine c(self, lan(), 3);  // p4 with other metadata
  c.join(Clock{0, kHandWall}, {}, out);
  auto other = fwd;
  other[3].meta.cpu_milli += 1;
  c.handle_packet(Clock{1000, kHandWall}, from, Channel::stream, reply(other), out);
  const std::uint64_t before = c.view_hash();
  CHECK(before != a.view_hash());
  // ... and once it learns p4's real metadata (a newer incarnation) it differs by incarnation only.
  c.handle_packet(Clock{2000, kHandWall}, from, Channel::stream,
                  reply({member(4, 2, MemberState::alive, meta_for(4))}), out);
  CHECK(c.view_hash() != before);
  CHECK(c.view_hash() != a.view_hash());
  // A member's change of state changes the hash (a remote death is a suspicion here).
  const std::uint64_t alive = a.view_hash();
  a.handle_packet(Clock{3000, kHandWall}, from, Channel::stream,
                  reply({member(2, 1, MemberState::dead, meta_for(2))}), out);
  CHECK(a.find_member("p2")->state == MemberState::suspect);
  CHECK(a.view_hash() != alive);
  // Left: gone from the live view, still in the hash as `left`.
  a.handle_packet(Clock{4000, kHandWall}, from, Channel::stream,
                  reply({member(2, 1, MemberState::left, meta_for(2))}), out);
  CHECK(a.find_member("p2")->state == MemberState::left);
  CHECK(a.view_hash() != alive);
}
