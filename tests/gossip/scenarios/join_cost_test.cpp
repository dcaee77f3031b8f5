// What a join costs: one seed first (its answer is the whole membership; every further seed's
// would be the same again), every seed on a retry; the early catch-up push-pull only while the
// cluster is small enough that push-pulls are not scaled down, or when others joined meanwhile;
// what the answer taught is not gossiped again; a join storm's misses repaired by one
// push-pull once it has passed.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "gossip/engine.hpp"
#include "gossip/suspicion.hpp"
#include "gossip/wire.hpp"
#include "hand_fed.hpp"
#include "sim_net.hpp"

using namespace shoal::gossip;
using shoal::gossip::testing::kHandWall;
using shoal::gossip::testing::addr;
using shoal::gossip::testing::lan;

namespace {

// The addresses `out` sent a push-pull request to (stream messages decoding to a PushPull).
std::vector<Address> push_pulls(const Outbox& out) {
  std::vector<Address> to;
  std::vector<wire::Message> msgs;
  for (const auto& d : out.sends) {
    if (d.channel != Channel::stream || !wire::decode(d.bytes, msgs)) continue;
    for (const auto& m : msgs)
      if (const auto* pp = std::get_if<wire::PushPull>(&m); pp && !pp->reply) to.push_back(d.to);
  }
  return to;
}

// The answer of a seed (10.0.0.1) with `n` alive members p1..pn.
Bytes seed_reply(int n) {
  wire::PushPull pp;
  pp.reply = true;
  for (int i = 1; i <= n; ++i) {
    wire::MemberRecord r;
    r.name = "p" + std::to_string(i);
    r.addr = addr(i);
    r.incarnation = 1;
    pp.members.push_back(r);
  }
  return wire::encode(pp);
}

// The names of the alive messages `out` sent (piggybacked or alone, over UDP).
std::multiset<std::string> alives_sent(const Outbox& out) {
  std::multiset<std::string> names;
  std::vector<wire::Message> msgs;
  for (const auto& d : out.sends) {
    if (d.channel != Channel::udp || !wire::decode(d.bytes, msgs)) continue;
    for (const auto& m : msgs)
      if (const auto* a = std::get_if<wire::Alive>(&m)) names.insert(a->name);
  }
  return names;
}

// Ticks `e` every 100 ms over [from, to]: the names of the alive messages it sent.
std::multiset<std::string> alives_over(Engine& e, Micros from, Micros to) {
  std::multiset<std::string> sent;
  Outbox out;
  for (Micros t = from; t <= to; t += 100 * kMillis) {
    out.clear();
    e.handle_tick(Clock{t, kHandWall + t}, out);
    for (const auto& n : alives_sent(out)) sent.insert(n);
  }
  return sent;
}

Engine fresh_joiner() { return Engine(Identity{"joiner", addr(200), 1, {}}, lan(), 7); }

// Joins `e` through seeds 10.0.0.1-3, the first answering as a cluster of `n`.
void join_cluster(Engine& e, int n) {
  Outbox out;
  const std::vector<Address> seeds{addr(1), addr(2), addr(3)};
  e.join(Clock{0, kHandWall}, seeds, out);
  REQUIRE(push_pulls(out).size() == 1);
  out.clear();
  e.handle_packet(Clock{50 * kMillis, kHandWall}, addr(1), Channel::stream, seed_reply(n), out);
  REQUIRE(e.joined());
}

// Ticks `e` every 100 ms over [from, from + span]: the times (from `from`) of the push-pulls it
// starts to a live member. Retries of unseen seeds and reconnects to dead members (these fake
// members never answer a ping) are not counted.
std::vector<Micros> push_pulls_over(Engine& e, Micros from, Micros span) {
  std::vector<Micros> at;
  Outbox out;
  for (Micros t = from; t <= from + span; t += 100 * kMillis) {
    out.clear();
    e.handle_tick(Clock{t, kHandWall + t}, out);
    for (const auto& to : push_pulls(out)) {
      bool live = false;
      for (const auto& [name, m] : e.members())
        if (m.addr == to && (m.state == MemberState::alive || m.state == MemberState::suspect))
          live = true;
      if (live) at.push_back(t - from);
    }
  }
  return at;
}

std::vector<Micros> push_pulls_after_join(int n, Micros span) {
  Engine e = fresh_joiner();
  join_cluster(e, n);
  return push_pulls_over(e, 50 * kMillis, span);
}

// `count` members new to `e` (q1..qN at 10.0.1.x), gossiped one by one by member p1.
void gossip_new_members(Engine& e, Micros t, int count) {
  Outbox out;
  for (int i = 1; i <= count; ++i) {
    wire::Alive a{"q" + std::to_string(i), Address{"10.0.1." + std::to_string(i), 7950}, 1, {}};
    e.handle_packet(Clock{t, kHandWall + t}, addr(1), Channel::udp, wire::encode(a), out);
  }
}

}  // namespace

TEST_CASE("join: one seed first, every seed when it retries") {
  Engine e(Identity{"joiner", addr(200), 1, {}}, lan(), 11);
  Outbox out;
  const std::vector<Address> seeds{addr(1), addr(2), addr(3)};
  e.join(Clock{0, kHandWall}, seeds, out);
  const auto first = push_pulls(out);
  REQUIRE(first.size() == 1);
  CHECK(std::find(seeds.begin(), seeds.end(), first[0]) != seeds.end());
  // Nobody answers: the retry goes to all three.
  std::set<std::string> retried;
  for (Micros t = 100 * kMillis; t <= lan().join_retry_interval; t += 100 * kMillis) {
    out.clear();
    e.handle_tick(Clock{t, kHandWall + t}, out);
    for (const auto& a : push_pulls(out)) retried.insert(a.to_string());
  }
  CHECK(retried == std::set<std::string>{addr(1).to_string(), addr(2).to_string(),
                                         addr(3).to_string()});
  CHECK_FALSE(e.joined());
}

TEST_CASE("join: a catch-up push-pull soon in a small cluster, none in a large one") {
  const Config cfg = lan();
  // 3 members: unscaled, so one catch-up within 5 probe intervals of the answer.
  auto small = push_pulls_after_join(3, 10 * kSeconds);
  REQUIRE(!small.empty());
  CHECK(small[0] >= cfg.probe_interval);
  CHECK(small[0] <= 5 * cfg.probe_interval);
  // 200 members: push-pulls are scaled (30 s -> 120 s); the first comes one to two scaled
  // intervals after the join, as start_timers would have placed it knowing the size.
  const Micros gap = push_pull_scale(cfg.push_pull_interval, 201);
  REQUIRE(gap > cfg.push_pull_interval);
  auto large = push_pulls_after_join(200, 2 * gap + 2 * kSeconds);
  REQUIRE(!large.empty());
  CHECK(large[0] >= gap);
  CHECK(large[0] < 2 * gap + 1 * kSeconds);
}

TEST_CASE("join: what the seed's answer taught is not gossiped again, what gossip teaches is") {
  Engine e = fresh_joiner();
  join_cluster(e, 40);
  std::multiset<std::string> sent = alives_over(e, 100 * kMillis, 3 * kSeconds);
  // The 40 members of the answer are old news to the cluster: none is announced again.
  for (int i = 1; i <= 40; ++i) CHECK(sent.count("p" + std::to_string(i)) == 0);
  // A member new to the cluster, heard by gossip, is passed on.
  gossip_new_members(e, 3 * kSeconds, 1);
  CHECK(alives_over(e, 3 * kSeconds, 6 * kSeconds).count("q1") > 0);
}

TEST_CASE("join: the seed announces the joiner its join request taught it") {
  Engine seed(Identity{"p1", addr(1), 1, {}}, lan(), 5);
  Outbox out;
  seed.join(Clock{0, kHandWall}, {}, out);
  wire::PushPull request;
  request.join = true;
  wire::MemberRecord joiner;
  joiner.name = "joiner";
  joiner.addr = addr(200);
  joiner.incarnation = 1;
  request.members.push_back(joiner);
  out.clear();
  seed.handle_packet(Clock{kMillis, kHandWall}, addr(200), Channel::stream, wire::encode(request), out);
  CHECK(alives_over(seed, 100 * kMillis, 2 * kSeconds).count("joiner") > 0);
}

TEST_CASE("join: a member new by gossip soon after the join brings one catch-up push-pull") {
  const Config cfg = lan();
  const Micros gap = push_pull_scale(cfg.push_pull_interval, 201);
  const Micros window = 5 * cfg.probe_interval;
  SECTION("another joiner heard within the window") {
    Engine e = fresh_joiner();
    join_cluster(e, 200);
    gossip_new_members(e, kSeconds, 1);
    auto at = push_pulls_over(e, kSeconds, gap - 2 * kSeconds);
    REQUIRE(at.size() == 1);
    CHECK(at[0] >= 5 * cfg.probe_interval);
    CHECK(at[0] <= 10 * cfg.probe_interval);
  }
  SECTION("heard after the window: nothing before the scaled interval") {
    Engine e = fresh_joiner();
    join_cluster(e, 200);
    REQUIRE(push_pulls_over(e, 100 * kMillis, window + kSeconds).empty());
    gossip_new_members(e, window + 2 * kSeconds, 1);
    CHECK(push_pulls_over(e, window + 2 * kSeconds, gap - window - 4 * kSeconds).empty());
  }
}

TEST_CASE("join storm: a member backlog, once drained, brings one push-pull soon") {
  const Config cfg = lan();
  const Micros gap = push_pull_scale(cfg.push_pull_interval, 201);
  // Past the join's catch-up window (5 probe intervals), so only the backlog can bring one.
  const Micros quiet = 10 * kSeconds;
  Engine e = fresh_joiner();
  join_cluster(e, 200);
  REQUIRE(push_pulls_over(e, 100 * kMillis, quiet - 200 * kMillis).empty());
  SECTION("a backlog: more new members than a gossip round carries") {
    gossip_new_members(e, quiet, 100);
    auto at = push_pulls_over(e, quiet, gap - quiet - kSeconds);
    // The 100 are sent 12 times each, 57 a round (3 packets of 19): drained within ~5 s, then
    // a push-pull within a probe interval; the next one only a scaled interval later.
    REQUIRE(at.size() == 1);
    CHECK(at[0] <= 8 * kSeconds);
  }
  SECTION("no backlog: nothing before the scaled interval") {
    gossip_new_members(e, quiet, 10);
    CHECK(push_pulls_over(e, quiet, gap - quiet - kSeconds).empty());
  }
}
