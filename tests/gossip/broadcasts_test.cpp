// The compact member table, the shared interner and the bucketed broadcast queue.
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <set>

#include "gossip/broadcasts.hpp"
#include "gossip/engine.hpp"
#include "gossip/interner.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;

namespace {

Bytes part_of(std::size_t size, std::uint8_t tag) {
  return Bytes(size, std::byte{tag});
}

std::uint8_t tag_of(const Bytes& b) { return static_cast<std::uint8_t>(b.at(0)); }

Identity identity(std::size_t i) {
  Identity id;
  id.name = "peer-" + std::to_string(i);
  id.addr = Address{"10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250), 7946};
  id.meta.cpu_milli = 4000;
  id.meta.memory_mib = 8192;
  id.meta.zone = "z" + std::to_string(i % 3);
  id.meta.api = id.addr.host + ":7000";
  return id;
}

// A push-pull reply listing members 0..n-1, as a seed would send it.
Bytes membership_packet(std::size_t n) {
  wire::PushPull p;
  p.reply = true;
  for (std::size_t i = 0; i < n; ++i) {
    Identity id = identity(i);
    p.members.push_back(wire::MemberRecord{id.name, id.addr, 1, MemberState::alive, id.meta, 0});
  }
  return wire::encode(p);
}

}  // namespace

TEST_CASE("broadcast queue: fewest transmits first, newest first among fresh ones, limit drops") {
  Interner in;
  BroadcastQueue q(&in);
  for (std::uint8_t k = 0; k < 5; ++k) q.push(k, part_of(10, k));
  REQUIRE(q.size() == 5);
  // Room for two parts: the two newest.
  const std::size_t two = 2 * wire::compound_overhead(10);
  auto a = q.take(two, 3, 255);
  REQUIRE(a.size() == 2);
  CHECK(tag_of(a[0]) == 4);
  CHECK(tag_of(a[1]) == 3);
  // Next: the untransmitted ones before any sent once.
  auto b = q.take(3 * wire::compound_overhead(10), 3, 255);
  REQUIRE(b.size() == 3);
  std::set<int> got;
  for (auto& p : b) got.insert(tag_of(p));
  CHECK(got == std::set<int>{0, 1, 2});
  // Everything has 1 transmit; two more rounds drain the queue at limit 3.
  for (int round = 0; round < 2; ++round) {
    auto c = q.take(1 << 20, 3, 255);
    CHECK(c.size() == 5);
  }
  CHECK(q.size() == 0);
  CHECK(q.take(1 << 20, 3, 255).empty());
  CHECK(in.parts.live() == 0);  // every part released
}

TEST_CASE("broadcast queue: a newer part about a key replaces the older, wherever it was") {
  Interner in;
  BroadcastQueue q(&in);
  q.push(7, part_of(10, 1));
  q.push(8, part_of(10, 2));
  (void)q.take(1 << 20, 10, 255);  // both sent once
  q.push(7, part_of(12, 3));        // replaces key 7, back to zero transmits
  REQUIRE(q.size() == 2);
  auto a = q.take(1 << 20, 10, 1);
  REQUIRE(a.size() == 1);
  CHECK(tag_of(a[0]) == 3);
  auto all = q.take(1 << 20, 10, 255);
  for (auto& p : all) CHECK(tag_of(p) != 1);  // the replaced part is gone
  q.remove(8);
  q.remove(7);
  CHECK(q.size() == 0);
  CHECK(q.take(1 << 20, 10, 255).empty());
  CHECK(in.parts.live() == 0);
}

TEST_CASE("broadcast queue: parts that do not fit wait, stale entries are compacted away") {
  Interner in;
  BroadcastQueue q(&in);
  q.push(0, part_of(500, 0));
  q.push(1, part_of(20, 1));
  auto a = q.take(100, 5, 255);  // the big one does not fit, the small one does
  REQUIRE(a.size() == 1);
  CHECK(tag_of(a[0]) == 1);
  CHECK(q.size() == 2);
  // Many replacements of one key: the queue's own memory stays bounded.
  for (int i = 0; i < 100000; ++i) q.push(2, part_of(8, static_cast<std::uint8_t>(i)));
  CHECK(q.size() == 3);
  CHECK(q.footprint() < 4096);
}

TEST_CASE("interner: values are shared and dropped with their last reference") {
  Interner in;
  auto a = in.names.acquire("alpha");
  auto b = in.names.acquire("alpha");
  CHECK(a == b);
  CHECK(in.names.live() == 1);
  in.names.release(a);
  CHECK(in.names.find("alpha") == a);
  in.names.release(b);
  CHECK(in.names.find("alpha") == Interner::kNone);
  auto c = in.names.acquire("beta");
  CHECK(c == a);  // the freed id is reused
  CHECK(in.names[c] == "beta");
}

TEST_CASE("engine: compact accessors agree with members(), shared interner holds each once") {
  auto shared = std::make_shared<Interner>();
  Config cfg = *Config::for_profile("lan");
  constexpr std::size_t kMembers = 10000, kEngines = 6;
  const Bytes packet = membership_packet(kMembers);
  std::vector<std::unique_ptr<Engine>> engines;
  for (std::size_t e = 0; e < kEngines; ++e) {
    engines.push_back(std::make_unique<Engine>(identity(kMembers + e), cfg, 100 + e, shared));
    Outbox out;
    engines.back()->join(Clock{0, 0}, {}, out);
    engines.back()->handle_packet(Clock{0, 0}, identity(0).addr, Channel::stream, packet, out);
  }
  Engine& e0 = *engines[0];
  REQUIRE(e0.member_count() == kMembers + 1);
  REQUIRE(e0.members().size() == kMembers + 1);
  std::size_t seen = 0;
  e0.for_each_member([&](const MemberView& m) {
    ++seen;
    const Member* c = e0.member(m.name);
    REQUIRE(c);
    CHECK(c->addr == m.addr);
    CHECK(c->meta == m.meta);
    CHECK(c->incarnation == m.incarnation);
  });
  CHECK(seen == kMembers + 1);
  auto v = e0.find_member("peer-17");
  REQUIRE(v);
  CHECK(v->addr == identity(17).addr);
  CHECK(v->meta == identity(17).meta);
  CHECK_FALSE(e0.find_member("nobody"));
  // Each name and (address, metadata) once for all engines.
  CHECK(shared->names.live() == kMembers + kEngines);
  CHECK(shared->cards.live() == kMembers + kEngines);
  std::size_t bytes = 0;
  for (auto& e : engines) bytes += e->membership_footprint();
  const double per = static_cast<double>(bytes) / static_cast<double>(kEngines * kMembers);
  std::printf("[measure] membership tables: %.1f bytes per member per engine (%zu engines x %zu "
              "members, alive broadcasts queued)\n", per, kEngines, kMembers);
  CHECK(per < 128);
  // Engines gone: the shared tables are empty again.
  engines.clear();
  CHECK(shared->names.live() == 0);
  CHECK(shared->cards.live() == 0);
  CHECK(shared->parts.live() == 0);
  CHECK(shared->alive_parts.size() == 0);
}
