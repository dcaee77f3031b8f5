#include <catch2/catch.hpp>

#include "gossip/wire.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::wire;

namespace {
Meta sample_meta() {
  Meta m;
  m.zone = "eu-1";
  m.labels = {{"ssd", "true"}, {"gpu", "no"}};
  m.cpu_milli = 4000;
  m.memory_mib = 8192;
  m.api = "10.0.0.5:7951";
  m.algorithm_version = 3;
  m.ready = true;
  m.schedulable = false;
  return m;
}

template <typename T>
T roundtrip(const T& in) {
  Bytes b = encode(in);
  REQUIRE(b.size() >= 3);
  CHECK(static_cast<std::uint8_t>(b[0]) == kProtocolVersion);
  std::vector<Message> out;
  REQUIRE(decode(b, out));
  REQUIRE(out.size() == 1);
  REQUIRE(std::holds_alternative<T>(out[0]));
  return std::get<T>(out[0]);
}
}  // namespace

TEST_CASE("wire: every message type round-trips") {
  auto p = roundtrip(Ping{7, "b", "a", Address{"10.0.0.1", 7950}});
  CHECK(p.seq == 7);
  CHECK(p.target == "b");
  CHECK(p.source_addr == Address{"10.0.0.1", 7950});
  auto ip = roundtrip(IndirectPing{9, "c", Address{"h", 1}, true, "a"});
  CHECK(ip.nack);
  CHECK(ip.target_addr.port == 1);
  CHECK(roundtrip(Ack{42}).seq == 42);
  CHECK(roundtrip(Nack{43}).seq == 43);
  auto a = roundtrip(Alive{"n", Address{"h", 2}, 5, sample_meta(), 0});
  CHECK(a.meta == sample_meta());
  CHECK(a.incarnation == 5);
  CHECK(a.meta_bytes == meta_size(sample_meta()));
  auto s = roundtrip(Suspect{"n", 3, "m"});
  CHECK(s.from == "m");
  auto d = roundtrip(Dead{"n", UINT64_MAX, "n"});
  CHECK(d.incarnation == UINT64_MAX);
  PushPull pp;
  pp.join = true;
  pp.members.push_back({"x", Address{"h", 3}, 2, MemberState::suspect, sample_meta()});
  pp.members.push_back({"y", Address{"h", 4}, 9, MemberState::left, {}});
  auto pp2 = roundtrip(pp);
  CHECK(pp2.join);
  CHECK_FALSE(pp2.reply);
  REQUIRE(pp2.members.size() == 2);
  CHECK(pp2.members[0].state == MemberState::suspect);
  CHECK(pp2.members[1].state == MemberState::left);
  CHECK(pp2.members[1].incarnation == 9);
  CHECK(pp2.state.empty());
  pp.state = Bytes{std::byte{1}, std::byte{2}, std::byte{3}};
  CHECK(roundtrip(pp).state == pp.state);
  CHECK(roundtrip(StateDelta{Bytes(700, std::byte{9})}).batch == Bytes(700, std::byte{9}));
  CHECK(roundtrip(StateSync{Bytes{std::byte{4}}}).message == Bytes{std::byte{4}});
}

TEST_CASE("wire: compound packets carry several messages in order") {
  std::vector<Bytes> parts{encode_part(Ack{1}), encode_part(Suspect{"a", 1, "b"}),
                           encode_part(Alive{"c", Address{"h", 5}, 1, {}, 0})};
  Bytes b = encode_compound(parts);
  std::vector<Message> out;
  REQUIRE(decode(b, out));
  REQUIRE(out.size() == 3);
  CHECK(std::holds_alternative<Ack>(out[0]));
  CHECK(std::holds_alternative<Suspect>(out[1]));
  CHECK(std::holds_alternative<Alive>(out[2]));
  std::size_t predicted = kCompoundHeader;
  for (auto& p : parts) predicted += compound_overhead(p.size());
  CHECK(b.size() <= predicted);
}

TEST_CASE("wire: malformed packets are rejected, not crashed on") {
  Bytes good = encode(Alive{"n", Address{"h", 2}, 5, sample_meta(), 0});
  std::vector<Message> out;
  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.size(); ++n) {
      Bytes t(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
      CHECK_FALSE(decode(t, out));
      CHECK(out.empty());
    }
  }
  SECTION("wrong version") {
    Bytes b = good;
    b[0] = std::byte{2};
    CHECK_FALSE(decode(b, out));
  }
  SECTION("unknown type") {
    Bytes b = good;
    b[1] = std::byte{77};
    CHECK_FALSE(decode(b, out));
  }
  SECTION("trailing bytes") {
    Bytes b = good;
    b.push_back(std::byte{0});
    CHECK_FALSE(decode(b, out));
  }
  SECTION("a wrong shape: an ack body where an alive is expected") {
    Bytes b = encode(Ack{1});
    b[1] = std::byte{static_cast<std::uint8_t>(Type::alive)};
    CHECK_FALSE(decode(b, out));
  }
  SECTION("a huge array header with no elements") {
    Bytes b{std::byte{1}, std::byte{8}, std::byte{0xdd}, std::byte{0xff}, std::byte{0xff},
            std::byte{0xff}, std::byte{0xff}};
    CHECK_FALSE(decode(b, out));
  }
  SECTION("nested compound is refused") {
    Bytes inner = encode_compound({encode_part(Ack{1})});
    Bytes part(inner.begin() + 1, inner.end());  // type byte + body
    Bytes outer = encode_compound({part});
    CHECK_FALSE(decode(outer, out));
  }
}

TEST_CASE("wire: metadata size is measured as encoded") {
  Meta m;
  std::size_t small = meta_size(m);
  m.labels["k"] = std::string(600, 'x');
  CHECK(meta_size(m) > small + 600);
}

TEST_CASE("wire: encode_push_pull from references gives the bytes of encode(PushPull)") {
  PushPull pp;
  pp.reply = true;
  pp.members.push_back({"x", Address{"h", 3}, 2, MemberState::suspect, sample_meta(), 0});
  pp.members.push_back({"y", Address{"h", 4}, 9, MemberState::left, {}, 0});
  pp.members.push_back({"z", Address{"10.0.0.9", 7946}, UINT64_MAX, MemberState::alive, {}, 0});
  pp.state = Bytes{std::byte{7}, std::byte{8}};
  std::vector<Bytes> metas;
  for (const auto& r : pp.members) metas.push_back(encode_meta(r.meta));
  std::vector<MemberRef> refs;
  for (std::size_t i = 0; i < pp.members.size(); ++i) {
    const auto& r = pp.members[i];
    refs.push_back(MemberRef{&r.name, &r.addr, r.incarnation, r.state,
                             std::string_view(reinterpret_cast<const char*>(metas[i].data()),
                                              metas[i].size())});
  }
  CHECK(encode_push_pull(false, true, refs, pp.state) == encode(pp));
  pp.join = true;
  pp.reply = false;
  pp.members.clear();
  pp.state.clear();
  CHECK(encode_push_pull(true, false, {}, {}) == encode(pp));
}

TEST_CASE("wire: tree messages round-trip, and a shape of one kind with another's fields is refused") {
  auto ih = roundtrip(Tree{TreeKind::ihave, "p1", {{"status/p2", 77}, {"usage/p3", 1}}, {}});
  CHECK(ih.kind == TreeKind::ihave);
  CHECK(ih.from == "p1");
  CHECK(ih.ids == std::vector<TreeId>{{"status/p2", 77}, {"usage/p3", 1}});
  CHECK(roundtrip(Tree{TreeKind::push, "p1", {}, Bytes(3, std::byte{1})}).batch.size() == 3);
  CHECK(roundtrip(Tree{TreeKind::graft, "p1", {{"status/p2", 5}}, {}}).ids.size() == 1);
  CHECK(roundtrip(Tree{TreeKind::prune, "p1", {}, {}}).kind == TreeKind::prune);
  std::vector<Message> out;
  const Bytes one(1, std::byte{1});
  CHECK_FALSE(decode(encode(Tree{TreeKind::push, "p1", {}, {}}), out));  // push without values
  CHECK_FALSE(decode(encode(Tree{TreeKind::push, "p1", {{"status/a", 1}}, one}), out));
  CHECK_FALSE(decode(encode(Tree{TreeKind::ihave, "p1", {}, {}}), out));  // nothing announced
  CHECK_FALSE(decode(encode(Tree{TreeKind::graft, "p1", {{"status/a", 1}}, one}), out));
  CHECK_FALSE(decode(encode(Tree{TreeKind::prune, "p1", {{"status/a", 1}}, {}}), out));
  CHECK_FALSE(decode(encode(Tree{TreeKind::prune, "", {}, {}}), out));  // no sender
  CHECK_FALSE(decode(encode(Tree{TreeKind::ihave, "p1", {{"", 1}}, {}}), out));  // empty key
  CHECK_FALSE(decode(encode(Tree{TreeKind::ihave, "p1", {{std::string(600, 'k'), 1}}, {}}), out));
  Bytes bad_kind = encode(Tree{TreeKind::prune, "p1", {}, {}});
  bad_kind[3] = std::byte{4};  // after version, type and the array header: the kind
  CHECK_FALSE(decode(bad_kind, out));
}

TEST_CASE("wire: the tree label rides in metadata, in its sorted place, and never as a label") {
  Meta m = sample_meta();
  m.labels["0rack"] = "1";  // sorts before '@'
  m.tree_broadcast = true;
  const Bytes b = encode_meta(m);
  Meta back;
  REQUIRE(decode_meta(b, back));
  CHECK(back == m);
  CHECK(back.labels.count(std::string(kTreeLabel)) == 0);
  m.tree_broadcast = false;
  CHECK(encode_meta(m).size() < b.size());
}
