// What a join costs: one seed first (its answer is the whole membership; every further seed's
// would be the same again), every seed on a retry; the early catch-up push-pull only while the
// cluster is small enough that push-pulls are not scaled down.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "gossip/engine.hpp"
#include "gossip/suspicion.hpp"
#include "gossip/wire.hpp"
#include "sim_net.hpp"

using namespace shoal::gossip;
using shoal::gossip::testing::lan;

namespace {

const Micros kWall = 1'700'000'000'000'000;

Address addr(int i) { return Address{"10.0.0." + std::to_string(i), 7950}; }

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

// Joins a fresh engine through seeds 10.0.0.1-3, answers from the first as a cluster of `n`,
// then ticks for `span`: the times (from the answer) of the push-pulls it starts.
std::vector<Micros> push_pulls_after_join(int n, Micros span) {
  Engine e(Identity{"joiner", addr(200), 1, {}}, lan(), 7);
  Outbox out;
  const std::vector<Address> seeds{addr(1), addr(2), addr(3)};
  e.join(Clock{0, kWall}, seeds, out);
  REQUIRE(push_pulls(out).size() == 1);
  out.clear();
  e.handle_packet(Clock{50 * kMillis, kWall}, addr(1), Channel::stream, seed_reply(n), out);
  REQUIRE(e.joined());
  std::vector<Micros> at;
  for (Micros t = 50 * kMillis; t <= 50 * kMillis + span; t += 100 * kMillis) {
    out.clear();
    e.handle_tick(Clock{t, kWall + t}, out);
    // Periodic and catch-up push-pulls go to a live member; retries of unseen seeds and
    // reconnects to dead members (these fake members never answer a ping) are not counted.
    for (const auto& to : push_pulls(out)) {
      bool live = false;
      for (const auto& [name, m] : e.members())
        if (m.addr == to && (m.state == MemberState::alive || m.state == MemberState::suspect))
          live = true;
      if (live) at.push_back(t - 50 * kMillis);
    }
  }
  return at;
}

}  // namespace

TEST_CASE("join: one seed first, every seed when it retries") {
  Engine e(Identity{"joiner", addr(200), 1, {}}, lan(), 11);
  Outbox out;
  const std::vector<Address> seeds{addr(1), addr(2), addr(3)};
  e.join(Clock{0, kWall}, seeds, out);
  const auto first = push_pulls(out);
  REQUIRE(first.size() == 1);
  CHECK(std::find(seeds.begin(), seeds.end(), first[0]) != seeds.end());
  // Nobody answers: the retry goes to all three.
  std::set<std::string> retried;
  for (Micros t = 100 * kMillis; t <= lan().join_retry_interval; t += 100 * kMillis) {
    out.clear();
    e.handle_tick(Clock{t, kWall + t}, out);
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
