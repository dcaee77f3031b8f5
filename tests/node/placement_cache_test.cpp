// The placement cache against a real gossip engine: the memoised assignment is the one placing
// the same view from scratch gives, placing runs once per view, and a change of any placement
// input (a member, its state, its metadata, a spec) places again, while other state does not.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"
#include "node/peer/placement_peer.hpp"
#include "node/placement_cache.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/contained.hpp"

using namespace shoal;
using gossip::Clock;
using gossip::Meta;
using gossip::MemberState;

namespace {

const gossip::Micros kWall = 1'700'000'000'000'000;

Meta meta(int cpu = 4000) {
  Meta m;
  m.cpu_milli = cpu;
  m.memory_mib = 4096;
  m.ready = true;
  return m;
}

gossip::Bytes as_bytes(const std::string& s) {
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  return gossip::Bytes(p, p + s.size());
}

config::ServiceSpec cache_web(std::uint32_t replicas) {
  config::ServiceSpec s;
  s.name = "web";
  s.command = {"sleep", "100"};
  s.replicas = replicas;
  return s;
}

// One engine ("x") that learns members p1..pN from push-pull replies, as formed_test does.
struct CacheFixture {
  gossip::Engine engine{gossip::Identity{"x", gossip::Address{"10.0.0.200", 7950}, 0, meta()},
                        *gossip::Config::for_profile("lan"), 1};
  node::SpecGate gate;
  gossip::Micros mono = 1000;
  gossip::Outbox out;

  CacheFixture() { engine.join(Clock{0, kWall}, {}, out); }

  Clock tick() { return Clock{mono += 1000, kWall + mono}; }

  void learn(int i, std::uint64_t inc, MemberState st, Meta m) {
    gossip::wire::MemberRecord r;
    r.name = "p" + std::to_string(i);
    r.addr = gossip::Address{"10.0.0." + std::to_string(i), 7950};
    r.incarnation = inc;
    r.state = st;
    r.meta = std::move(m);
    gossip::wire::PushPull pp;
    pp.reply = true;
    pp.members = {std::move(r)};
    engine.handle_packet(tick(), gossip::Address{"10.0.0.1", 7950}, gossip::Channel::stream,
                         gossip::wire::encode(pp), out);
  }

  void put_spec(const config::ServiceSpec& s) {
    engine.put(tick(), "spec/" + s.name, as_bytes(node::encode_spec(s)));
  }

  // What the agent does without a cache: gate, then place the view from scratch.
  placement::Assignment place(const std::vector<config::ServiceSpec>& specs) const {
    return placement::place_contained(node::make_view(engine.members(), specs)).assignment;
  }
  node::PlacementCache cache{[this](const auto& specs) { return place(specs); }};

  const placement::Assignment& cached() {
    return cache.get(engine.view_hash(), gate.specs(engine.state()));
  }
  placement::Assignment fresh() { return place(gate.specs(engine.state())); }
};

std::vector<std::string> owners(const placement::Assignment& a) {
  std::vector<std::string> out;
  for (const auto& p : a.instances) out.push_back(p.id.to_string() + "@" + p.owner.value_or("-"));
  return out;
}

}  // namespace

TEST_CASE("placement cache: places once per view, the same assignment as placing afresh",
          "[node][placement_cache]") {
  CacheFixture f;
  for (int i = 1; i <= 3; ++i) f.learn(i, 1, MemberState::alive, meta());
  f.put_spec(cache_web(30));
  const auto first = owners(f.cached());
  CHECK(first.size() == 30);
  CHECK(first == owners(f.fresh()));
  CHECK(f.cache.placements() == 1);
  for (int i = 0; i < 50; ++i) CHECK(owners(f.cached()) == first);
  CHECK(f.cache.placements() == 1);
  // State outside the placement inputs (a peer's status) changes nothing.
  f.engine.put(f.tick(), "status/x", as_bytes("whatever"));
  CHECK(owners(f.cached()) == first);
  CHECK(f.cache.placements() == 1);
}

TEST_CASE("placement cache: a member, its state, its metadata or a spec places again",
          "[node][placement_cache]") {
  CacheFixture f;
  for (int i = 1; i <= 3; ++i) f.learn(i, 1, MemberState::alive, meta());
  f.put_spec(cache_web(30));
  f.cached();
  REQUIRE(f.cache.placements() == 1);
  std::uint64_t n = 1;
  auto replaced = [&](const char* what) {
    INFO(what);
    const auto got = owners(f.cached());
    CHECK(f.cache.placements() == ++n);
    CHECK(got == owners(f.fresh()));
    f.cached();  // and memoised again
    CHECK(f.cache.placements() == n);
    return got;
  };

  const auto three = owners(f.cached());
  f.learn(4, 1, MemberState::alive, meta());  // a new member
  const auto four = replaced("member joined");
  CHECK(four != three);  // 30 instances over 5 peers: some move to p4

  f.learn(4, 2, MemberState::alive, [] {  // its metadata: not schedulable any more
    Meta m = meta();
    m.schedulable = false;
    return m;
  }());
  const auto unschedulable = replaced("metadata changed");
  CHECK(std::none_of(unschedulable.begin(), unschedulable.end(),
                     [](const std::string& o) { return o.ends_with("@p4"); }));

  f.learn(2, 1, MemberState::dead, meta());  // a state change (heard as suspicion)
  replaced("member state changed");

  f.put_spec(cache_web(31));  // a spec
  CHECK(replaced("spec changed").size() == 31);

  f.engine.erase(f.tick(), "spec/web");  // a delete
  CHECK(replaced("spec deleted").empty());
}

TEST_CASE("placement cache: a placement that throws keeps no stale assignment",
          "[node][placement_cache]") {
  int calls = 0;
  bool fail = false;
  node::PlacementCache cache([&](const std::vector<config::ServiceSpec>& specs) {
    ++calls;
    if (fail) throw std::runtime_error("boom");
    placement::Assignment a;
    a.instances.resize(specs.empty() ? 0 : specs[0].replicas);
    return a;
  });
  CHECK(cache.get(7, {cache_web(2)}).instances.size() == 2);
  fail = true;
  CHECK_THROWS(cache.get(8, {cache_web(3)}));
  fail = false;
  CHECK(cache.get(8, {cache_web(3)}).instances.size() == 3);  // placed again, not the stale one
  CHECK(calls == 3);
  CHECK(cache.get(8, {cache_web(2)}).instances.size() == 2);  // same hash, other specs: placed
  CHECK(calls == 4);
}
