// Cards (address + metadata) interned by their encoded bytes, and what the engine does with
// alive messages whose metadata it already holds.
#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <memory>
#include <string_view>

#include "gossip/engine.hpp"
#include "gossip/interner.hpp"
#include "gossip/rng.hpp"
#include "gossip/wire.hpp"

using namespace shoal::gossip;

namespace {

Meta meta_with_cpu(std::int64_t cpu) {
  Meta m;
  m.cpu_milli = cpu;
  m.api = "10.0.0.9:7000";
  return m;
}

std::string_view as_chars(const Bytes& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// An alive packet about "m1" at 10.0.0.9:7946 carrying `meta` as given (any encoding).
Bytes alive_packet(std::uint64_t incarnation, const Bytes& meta) {
  Bytes p{std::byte{wire::kProtocolVersion}, std::byte{5}, std::byte{0x94}, std::byte{0xa2},
          std::byte{'m'}, std::byte{'1'}, std::byte{0x92}, std::byte{0xa8}};
  for (char c : std::string_view("10.0.0.9")) p.push_back(std::byte(c));
  p.insert(p.end(), {std::byte{0xcd}, std::byte{0x1f}, std::byte{0x0a}});  // 7946
  REQUIRE(incarnation < 128);
  p.push_back(std::byte(incarnation));
  p.push_back(std::byte{0xc4});
  p.push_back(std::byte(meta.size()));
  p.insert(p.end(), meta.begin(), meta.end());
  return p;
}

// The metadata of meta_with_cpu(5) encoded with the cpu as an int8 (0xd0 0x05): the same value,
// bytes our writer never makes.
Bytes wide_cpu_meta() {
  Bytes canonical = wire::encode_meta(meta_with_cpu(5));
  // [0x98, 0xa0 zone, 0x80 labels, 0x05 cpu, ...]
  REQUIRE(canonical[3] == std::byte{0x05});
  Bytes wide = canonical;
  wide[3] = std::byte{0xd0};
  wide.insert(wide.begin() + 4, std::byte{0x05});
  return wide;
}

}  // namespace

TEST_CASE("interner: cards are shared by value and found by their encoded bytes") {
  Interner in;
  const Address a{"10.0.0.1", 7946};
  const auto id = in.cards.acquire(a, meta_with_cpu(1));
  CHECK(in.cards.acquire(a, meta_with_cpu(1)) == id);
  CHECK(in.cards.live() == 1);
  const Bytes bytes = wire::encode_meta(meta_with_cpu(1));
  CHECK(in.cards[id].meta_bytes == as_chars(bytes));
  CHECK(in.cards[id].meta == meta_with_cpu(1));
  CHECK(in.cards.find("10.0.0.1", 7946, bytes) == id);
  CHECK(in.cards.find("10.0.0.1", 7947, bytes) == CardTable::kNone);
  CHECK(in.cards.find("10.0.0.2", 7946, bytes) == CardTable::kNone);
  CHECK(in.cards.find("10.0.0.1", 7946, wire::encode_meta(meta_with_cpu(2))) == CardTable::kNone);
  const auto other = in.cards.acquire(a, meta_with_cpu(2));
  CHECK(other != id);
  in.cards.release(id);
  CHECK(in.cards.find("10.0.0.1", 7946, bytes) == id);  // one reference left
  in.cards.release(id);
  CHECK(in.cards.find("10.0.0.1", 7946, bytes) == CardTable::kNone);
  CHECK(in.cards.live() == 1);
  CHECK(in.cards.acquire(a, meta_with_cpu(3)) == id);  // the freed id is reused
  CHECK(in.cards[id].meta == meta_with_cpu(3));
}

TEST_CASE("engine: metadata encoded another way is the same metadata, a change is an update") {
  auto in = std::make_shared<Interner>();
  Engine e(Identity{"self", Address{"10.0.0.1", 7946}, 0, {}}, *Config::for_profile("lan"), 3, in);
  Outbox out;
  e.join(Clock{0, 0}, {}, out);
  const Address from{"10.0.0.9", 7946};
  auto kinds = [&out] {
    std::vector<EventKind> k;
    for (const auto& ev : out.events) k.push_back(ev.kind);
    return k;
  };

  out.clear();
  e.handle_packet(Clock{1, 1}, from, Channel::udp, alive_packet(1, wire::encode_meta(meta_with_cpu(5))), out);
  CHECK(kinds() == std::vector<EventKind>{EventKind::member_joined});
  const std::size_t cards = in->cards.live();

  // Incarnation 2, same value in other bytes: no update event, no new card, and what is
  // gossiped on is the canonical encoding.
  out.clear();
  e.handle_packet(Clock{2, 2}, from, Channel::udp, alive_packet(2, wide_cpu_meta()), out);
  CHECK(e.stats().packets_malformed == 0);
  CHECK(kinds().empty());
  CHECK(in->cards.live() == cards);
  auto m = e.find_member("m1");
  REQUIRE(m);
  CHECK(m->incarnation == 2);
  CHECK(m->meta == meta_with_cpu(5));
  const Bytes canonical_part =
      wire::encode_part(wire::Alive{"m1", from, 2, meta_with_cpu(5), 0});
  CHECK(in->parts.find(as_chars(canonical_part)) != Interner::kNone);

  // Incarnation 3 with other metadata: an update.
  out.clear();
  e.handle_packet(Clock{3, 3}, from, Channel::udp, alive_packet(3, wire::encode_meta(meta_with_cpu(6))), out);
  CHECK(kinds() == std::vector<EventKind>{EventKind::member_updated});
  auto updated = e.find_member("m1");
  REQUIRE(updated);
  CHECK(updated->meta == meta_with_cpu(6));
  CHECK(in->cards.live() == cards);  // the old card went with its last reference

  // A stale copy of the old one changes nothing.
  out.clear();
  e.handle_packet(Clock{4, 4}, from, Channel::udp, alive_packet(2, wire::encode_meta(meta_with_cpu(5))), out);
  CHECK(kinds().empty());
  CHECK(e.find_member("m1")->meta == meta_with_cpu(6));
}

TEST_CASE("interner: the open-addressing index agrees with a map through churn") {
  const std::uint64_t seed = 99;
  std::printf("[seed] intern table churn: %llu\n", static_cast<unsigned long long>(seed));
  Rng r(seed);
  InternTable<std::string, StringHash> t;
  std::map<std::string, std::pair<std::uint32_t, int>> model;  // value -> id, references
  for (int step = 0; step < 200000; ++step) {
    const std::string v = "v" + std::to_string(r.below(3000));
    auto it = model.find(v);
    if (it == model.end() || r.chance(1, 2)) {
      const auto id = t.acquire(std::string_view(v));
      if (it == model.end()) {
        model[v] = {id, 1};
      } else {
        REQUIRE(id == it->second.first);
        ++it->second.second;
      }
    } else {
      const bool dropped = t.release(it->second.first);
      REQUIRE(dropped == (--it->second.second == 0));
      if (dropped) model.erase(it);
    }
    if (step % 20000 == 0) {
      REQUIRE(t.live() == model.size());
      for (std::size_t k = 0; k < 3000; ++k) {
        const std::string w = "v" + std::to_string(k);
        auto m = model.find(w);
        const auto id = t.find(std::string_view(w));
        REQUIRE(id == (m == model.end() ? CardTable::kNone : m->second.first));
        if (m != model.end()) REQUIRE(t[id] == w);
      }
    }
  }
}

TEST_CASE("interner: alive parts by (name, card, incarnation) agree with a map through churn") {
  const std::uint64_t seed = 4242;
  std::printf("[seed] alive parts churn: %llu\n", static_cast<unsigned long long>(seed));
  Rng r(seed);
  AliveParts t;
  std::map<std::uint32_t, AliveParts::Key> by_part;  // the model: part -> its key
  auto key_of = [](std::uint64_t x) {
    return AliveParts::Key{static_cast<std::uint32_t>(x % 97), static_cast<std::uint32_t>(x % 3),
                           static_cast<std::uint32_t>(x % 89), 0, x % 5};
  };
  for (int step = 0; step < 30000; ++step) {
    const auto part = static_cast<std::uint32_t>(r.below(2000));
    if (r.chance(2, 3)) {
      const AliveParts::Key k = key_of(r.below(5000));
      t.insert(k, part);
      for (auto it = by_part.begin(); it != by_part.end();)  // k named another part: no more
        it = it->second == k ? by_part.erase(it) : std::next(it);
      by_part[part] = k;
    } else {
      t.erase(part);
      by_part.erase(part);
    }
    if (step % 3000 == 0) {
      REQUIRE(t.size() == by_part.size());
      for (const auto& [p, k] : by_part) REQUIRE(t.find(k) == p);
      for (int q = 0; q < 200; ++q) {
        const AliveParts::Key k = key_of(r.below(5000));
        const std::uint32_t got = t.find(k);
        if (got != AliveParts::kNone) REQUIRE(by_part.at(got) == k);
        else for (const auto& [p, kk] : by_part) REQUIRE_FALSE(kk == k);
      }
    }
  }
}

TEST_CASE("interner: a card's address is compared exactly, short or long") {
  Interner in;
  const std::string long_host(40, 'h');
  const auto a = in.cards.acquire(Address{"10.0.0.1", 7946}, {});
  const auto b = in.cards.acquire(Address{long_host, 7946}, {});
  const auto c = in.cards.acquire(Address{std::string(21, 'x'), 1}, {});
  CHECK(in.cards.has_addr(a, "10.0.0.1", 7946));
  CHECK_FALSE(in.cards.has_addr(a, "10.0.0.1", 7947));
  CHECK_FALSE(in.cards.has_addr(a, "10.0.0.10", 7946));
  CHECK_FALSE(in.cards.has_addr(a, "10.0.0.", 7946));
  CHECK(in.cards.has_addr(b, long_host, 7946));
  CHECK_FALSE(in.cards.has_addr(b, std::string(39, 'h'), 7946));
  CHECK_FALSE(in.cards.has_addr(b, long_host, 1));
  CHECK(in.cards.has_addr(c, std::string(21, 'x'), 1));
  CHECK_FALSE(in.cards.has_addr(c, std::string(21, 'x') + "x", 1));
}
