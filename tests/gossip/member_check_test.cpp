// Hostile member records: names that are not in the charset (or not UTF-8), addresses that are
// DNS names, metadata text that is not UTF-8, and floods of new members from one sender. Each
// packet is dropped and counted, the engine's membership unchanged. Some packets are written
// byte by byte, as an attacker would send them, not through the project's encoder.
#include <catch2/catch.hpp>

#include "gossip/engine.hpp"
#include "gossip/intake_limit.hpp"
#include "gossip/member_check.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;

namespace {

constexpr Micros kWall = 1'700'000'000 * kSeconds;

Config lan_cfg() { return *Config::for_profile("lan"); }

Bytes raw_bytes(std::initializer_list<unsigned> v) {
  Bytes b;
  for (unsigned x : v) b.push_back(std::byte(x));
  return b;
}

// An alive message, by hand: version 1, type 5, [name, [host, port], incarnation, bin(meta)],
// meta = [zone "", labels {}, cpu 0, memory 0, api "", algorithm 1, ready true, sched true].
Bytes raw_alive(std::string_view name, std::string_view host) {
  Bytes b = raw_bytes({0x01, 0x05, 0x94});
  b.push_back(std::byte(0xa0 | name.size()));
  for (char c : name) b.push_back(std::byte(static_cast<unsigned char>(c)));
  b.push_back(std::byte{0x92});
  b.push_back(std::byte(0xa0 | host.size()));
  for (char c : host) b.push_back(std::byte(static_cast<unsigned char>(c)));
  for (unsigned x : {0xcdu, 0x1fu, 0x1eu, 0x01u, 0xc4u, 0x09u, 0x98u, 0xa0u, 0x80u, 0x00u, 0x00u,
                     0xa0u, 0x01u, 0xc3u, 0xc3u})
    b.push_back(std::byte(x));
  return b;
}

struct MemberCheckFixture {
  Engine e{Identity{"me", Address{"10.0.0.1", 7950}, 0, {}}, lan_cfg(), 7};
  Outbox out;
  MemberCheckFixture() { e.join(Clock{0, kWall}, {}, out); }
  void feed(const Bytes& b, Channel ch = Channel::udp, Address from = {"10.0.0.2", 7950}) {
    e.handle_packet(Clock{1000, kWall}, from, ch, b, out);
  }
};

}  // namespace

TEST_CASE("member check: names, IP literals, UTF-8", "[gossip][member_check]") {
  CHECK(valid_member_name("peer-1.example_a"));
  CHECK_FALSE(valid_member_name(""));
  CHECK_FALSE(valid_member_name("a b"));
  CHECK_FALSE(valid_member_name("n\xff"));
  CHECK_FALSE(valid_member_name(std::string(129, 'a')));
  CHECK(valid_member_name(std::string(128, 'a')));
  CHECK(ip_literal("10.0.0.5"));
  CHECK(ip_literal("fd00::1"));
  CHECK(ip_literal("::1"));
  CHECK_FALSE(ip_literal("localhost"));
  CHECK_FALSE(ip_literal("example.com"));
  CHECK_FALSE(ip_literal("10.0.0.5 "));
  CHECK_FALSE(ip_literal(""));
  CHECK_FALSE(ip_literal(std::string("10.0.0.5\0x", 10)));
  CHECK(valid_utf8_text("zone-\xc3\xa9"));
  CHECK_FALSE(valid_utf8_text("zone-\xc3"));
}

TEST_CASE("member check: a hand-written alive with a non-UTF-8 name is dropped and counted",
          "[gossip][member_check]") {
  MemberCheckFixture f;
  // Sanity: the same bytes with a good name are taken in (so the encoding is right).
  f.feed(raw_alive("good", "10.0.0.9"));
  REQUIRE(f.e.member("good") != nullptr);
  const auto hash = f.e.view_hash();
  const auto malformed = f.e.stats().packets_malformed;
  f.feed(raw_alive("n\xff", "10.0.0.8"));
  CHECK(f.e.stats().packets_malformed == malformed + 1);
  CHECK(f.e.stats().members_invalid == 1);
  CHECK(f.e.member_count() == 2);
  CHECK(f.e.view_hash() == hash);
}

TEST_CASE("member check: a DNS name as an address is dropped, in alive, push-pull and "
          "indirect ping", "[gossip][member_check]") {
  MemberCheckFixture f;
  const auto hash = f.e.view_hash();
  f.feed(raw_alive("evil", "attacker.example"));
  wire::PushPull pp;
  pp.reply = true;
  pp.members.push_back({"evil2", Address{"localhost", 7950}, 1, MemberState::alive, {}, 0});
  f.feed(wire::encode(pp), Channel::stream);
  f.out.clear();
  f.feed(wire::encode(wire::IndirectPing{3, "x", Address{"slow.example", 7950}, false, "y"}));
  CHECK(f.out.sends.empty());  // no ping sent towards a name (nothing to resolve)
  CHECK(f.e.stats().packets_malformed == 3);
  CHECK(f.e.stats().members_invalid == 3);
  CHECK(f.e.member("evil") == nullptr);
  CHECK(f.e.member("evil2") == nullptr);
  CHECK(f.e.view_hash() == hash);
}

TEST_CASE("member check: metadata text that is not UTF-8 is refused", "[gossip][member_check]") {
  MemberCheckFixture f;
  Meta m;
  m.zone = "z\xfe";
  f.feed(wire::encode(wire::Alive{"zoned", Address{"10.0.0.7", 7950}, 1, m, 0}));
  CHECK(f.e.member("zoned") == nullptr);
  CHECK(f.e.stats().members_invalid == 1);
  m.zone = "z";
  m.labels["k"] = "\xc0\x80";
  f.feed(wire::encode(wire::Alive{"zoned", Address{"10.0.0.7", 7950}, 1, m, 0}));
  CHECK(f.e.member("zoned") == nullptr);
  m.labels["k"] = "v";
  f.feed(wire::encode(wire::Alive{"zoned", Address{"10.0.0.7", 7950}, 1, m, 0}));
  CHECK(f.e.member("zoned") != nullptr);
}

TEST_CASE("intake limit: one sender's new members are capped, push-pull joins are not",
          "[gossip][member_check]") {
  MemberCheckFixture f;
  const Address attacker{"10.6.6.6", 7950};
  for (int i = 0; i < 5000; ++i) {
    const std::string name = "fake" + std::to_string(i);
    const Address a{"10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250), 7950};
    f.feed(wire::encode(wire::Alive{name, a, 1, {}, 0}), Channel::udp, attacker);
  }
  const IntakeRates rates;
  CHECK(f.e.member_count() == 1 + static_cast<std::size_t>(rates.alive_burst));
  CHECK(f.e.stats().members_capped == 5000 - static_cast<std::uint64_t>(rates.alive_burst));

  // A push-pull join answer of 10,000 members from one peer is taken whole.
  MemberCheckFixture g;
  wire::PushPull pp;
  pp.reply = true;
  for (int i = 0; i < 10'000; ++i)
    pp.members.push_back({"p" + std::to_string(i),
                          Address{"10.2." + std::to_string(i / 250) + "." + std::to_string(i % 250), 7950},
                          1, MemberState::alive, {}, 0});
  g.feed(wire::encode(pp), Channel::stream, Address{"10.2.0.1", 7950});
  CHECK(g.e.member_count() == 10'001);
  CHECK(g.e.stats().members_capped == 0);
}

TEST_CASE("intake limit: refills with time, bounded senders", "[gossip][member_check]") {
  IntakeLimit lim(IntakeRates{10, 10, 10, 100});
  for (int i = 0; i < 10; ++i) CHECK(lim.allow(0, "a", false));
  CHECK_FALSE(lim.allow(0, "a", false));
  CHECK(lim.allow(0, "b", false));       // another sender has its own bucket
  CHECK(lim.allow(0, "a", true));        // the push-pull bucket is separate
  CHECK_FALSE(lim.allow(50 * kMillis, "a", false));
  CHECK(lim.allow(100 * kMillis, "a", false));  // 10/s: one token per 100 ms
  for (std::size_t i = 0; i < IntakeLimit::kMaxSenders + 10; ++i)
    lim.allow(0, "s" + std::to_string(i), false);
  CHECK(lim.senders() <= IntakeLimit::kMaxSenders);
  // Once idle (full again), buckets are pruned and new senders are served.
  CHECK(lim.allow(3600 * kSeconds, "late", false));
}
