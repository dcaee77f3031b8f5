// The wire format's own msgpack reader and writer held against msgpack-c (the reference in
// wire_reference.cpp is the encoder/decoder Shoal used before): the same bytes out, the same
// verdict and the same values in, on valid, hand-crafted and mutated packets.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <initializer_list>

#include "gossip/rng.hpp"
#include "gossip/wire.hpp"
#include "wire_reference.hpp"

using namespace shoal::gossip;
using namespace shoal::gossip::wire;

namespace {

constexpr std::uint64_t kUintEdges[] = {0,          1,           127,        128,
                                        255,        256,         65535,      65536,
                                        UINT32_MAX, 1ull << 32,  INT64_MAX,  UINT64_MAX};
constexpr std::int64_t kIntEdges[] = {0,      -1,     -31,    -32,         -33,
                                      -127,   -128,   -129,   -32767,      -32768,
                                      -32769, INT32_MIN,      INT64_MIN,   127,
                                      128,    65536,  INT64_MAX, static_cast<std::int64_t>(INT32_MIN) - 1};
constexpr std::size_t kLenEdges[] = {0, 1, 15, 16, 31, 32, 255, 256};

std::uint64_t any_uint(Rng& r) {
  return r.chance(1, 2) ? kUintEdges[r.below(std::size(kUintEdges))] : r.next() >> r.below(64);
}
std::int64_t any_int(Rng& r) {
  return r.chance(1, 2) ? kIntEdges[r.below(std::size(kIntEdges))]
                        : static_cast<std::int64_t>(r.next()) >> r.below(64);
}
std::string any_str(Rng& r, std::size_t max = 255) {
  std::size_t n = r.chance(1, 2) ? kLenEdges[r.below(std::size(kLenEdges))] : r.below(40);
  n = std::min(n, max);
  std::string s(n, 'x');
  for (auto& c : s) c = static_cast<char>(r.below(256));
  return s;
}
std::string any_name(Rng& r) {
  std::string s = any_str(r);
  return s.empty() ? "n" : s;
}
Address any_addr(Rng& r) { return Address{any_str(r, 40), static_cast<std::uint16_t>(any_uint(r))}; }
Meta any_meta(Rng& r) {
  Meta m;
  m.zone = any_str(r, 20);
  const std::size_t labels = r.chance(1, 8) ? 16 + r.below(4) : r.below(4);
  for (std::size_t i = 0; i < labels; ++i) m.labels[any_str(r, 8)] = any_str(r, 8);
  m.cpu_milli = any_int(r);
  m.memory_mib = any_int(r);
  m.api = any_str(r, 40);
  m.algorithm_version = static_cast<std::uint32_t>(any_uint(r));
  m.ready = r.chance(1, 2);
  m.schedulable = r.chance(1, 2);
  m.tree_broadcast = r.chance(1, 2);
  return m;
}
Bytes any_bytes(Rng& r) {
  static constexpr std::size_t kSizes[] = {1, 255, 256, 65535, 65536};
  Bytes b(r.chance(1, 3) ? kSizes[r.below(5)] : 1 + r.below(300));
  for (auto& x : b) x = std::byte(r.below(256));
  return b;
}

Message any_message(Rng& r) {
  switch (r.below(11)) {
    case 0: return Ping{static_cast<std::uint32_t>(any_uint(r)), any_str(r), any_str(r), any_addr(r)};
    case 1: return IndirectPing{static_cast<std::uint32_t>(any_uint(r)), any_str(r), any_addr(r),
                                r.chance(1, 2), any_str(r)};
    case 2: return Ack{static_cast<std::uint32_t>(any_uint(r))};
    case 3: return Nack{static_cast<std::uint32_t>(any_uint(r))};
    case 4: return Alive{any_name(r), any_addr(r), any_uint(r), any_meta(r), 0};
    case 5: return Suspect{any_name(r), any_uint(r), any_str(r)};
    case 6: return Dead{any_name(r), any_uint(r), any_str(r)};
    case 7: {
      PushPull p;
      p.join = r.chance(1, 2);
      p.reply = r.chance(1, 2);
      const std::size_t n = r.chance(1, 10) ? 16 + r.below(3) : r.below(5);
      for (std::size_t i = 0; i < n; ++i)
        p.members.push_back(MemberRecord{any_name(r), any_addr(r), any_uint(r),
                                         static_cast<MemberState>(r.below(4)), any_meta(r), 0});
      if (r.chance(1, 2)) p.state = any_bytes(r);
      return p;
    }
    case 8: return StateDelta{any_bytes(r)};
    case 9: {  // the shapes decoding accepts: a push with a batch, ids otherwise, a bare prune
      Tree t{static_cast<TreeKind>(r.below(4)), any_name(r), {}, {}};
      if (t.kind == TreeKind::push) t.batch = any_bytes(r);
      if (t.kind == TreeKind::ihave || t.kind == TreeKind::graft)
        for (std::size_t i = 0, n = 1 + r.below(20); i < n; ++i)
          t.ids.push_back(TreeId{any_name(r), any_uint(r)});
      return t;
    }
    default: return StateSync{any_bytes(r)};
  }
}

// Decoded messages compared by what they carry: their encoding, plus meta_bytes.
std::vector<Bytes> fingerprint(const std::vector<Message>& msgs) {
  std::vector<Bytes> out;
  for (const auto& m : msgs) {
    out.push_back(encode(m));
    std::size_t extra = 0;
    if (const auto* a = std::get_if<Alive>(&m)) extra = a->meta_bytes + 1;
    if (const auto* p = std::get_if<PushPull>(&m))
      for (const auto& r : p->members) extra = extra * 1031 + r.meta_bytes + 1;
    out.push_back(Bytes{std::byte(extra & 0xff), std::byte((extra >> 8) & 0xff)});
  }
  return out;
}

// A packet built byte by byte (for encodings our writer never makes).
struct Raw {
  Bytes b;
  Raw& u8(std::initializer_list<int> v) {
    for (int x : v) b.push_back(std::byte(static_cast<std::uint8_t>(x)));
    return *this;
  }
  Raw& str(std::string_view s) {  // fixstr
    u8({0xa0 | static_cast<int>(s.size())});
    for (char c : s) b.push_back(std::byte(static_cast<unsigned char>(c)));
    return *this;
  }
  Raw& bytes(const Bytes& x) {
    b.insert(b.end(), x.begin(), x.end());
    return *this;
  }
  Raw& bin8(const Bytes& x) {
    u8({0xc4, static_cast<int>(x.size())});
    return bytes(x);
  }
};

// Metadata with the given label keys in the given order (values "v").
Bytes raw_meta(std::initializer_list<std::string_view> keys) {
  Raw m;
  m.u8({0x98}).str("z").u8({0x80 | static_cast<int>(keys.size())});
  for (auto k : keys) m.str(k).str("v");
  m.u8({0x01, 0x02}).str("api").u8({0x01, 0xc3, 0xc2});
  return m.b;
}
// An alive packet: name "n", address ("h", 7), incarnation 3, the given metadata bytes.
Bytes raw_alive(const Bytes& meta) {
  Raw p;
  p.u8({kProtocolVersion, static_cast<int>(Type::alive), 0x94}).str("n").u8({0x92}).str("h")
      .u8({0x07, 0x03}).bin8(meta);
  return p.b;
}

bool both_decode(const Bytes& packet, std::vector<Message>& out) {
  std::vector<Message> ref;
  const bool ok = decode(packet, out);
  const bool ref_ok = wire_ref::decode(packet, ref);
  REQUIRE(ok == ref_ok);
  if (ok) REQUIRE(fingerprint(out) == fingerprint(ref));
  PacketView view;
  REQUIRE(decode_view(packet, view) == ok);
  return ok;
}

}  // namespace

TEST_CASE("wire: encodings are byte for byte those of msgpack-c") {
  const std::uint64_t seed = 20261127;
  std::printf("[seed] wire encodings: %llu\n", static_cast<unsigned long long>(seed));
  Rng r(seed);
  for (int i = 0; i < 3000; ++i) {
    const Message m = any_message(r);
    REQUIRE(encode(m) == wire_ref::encode(m));
    REQUIRE(encode_part(m) == wire_ref::encode_part(m));
    if (const auto* a = std::get_if<Alive>(&m)) {
      const Bytes meta = encode_meta(a->meta);
      REQUIRE(meta == wire_ref::encode_meta(a->meta));
      REQUIRE(meta_size(a->meta) == meta.size());
      Bytes part{std::byte{0x55}};  // appends after what is there
      append_alive_part(a->name, a->addr, a->incarnation,
                        std::string_view(reinterpret_cast<const char*>(meta.data()), meta.size()),
                        part);
      Bytes want{std::byte{0x55}};
      const Bytes p = wire_ref::encode_part(m);
      want.insert(want.end(), p.begin(), p.end());
      REQUIRE(part == want);
    }
    if (const auto* p = std::get_if<PushPull>(&m)) {
      std::vector<Bytes> metas;
      for (const auto& rec : p->members) metas.push_back(encode_meta(rec.meta));
      std::vector<MemberRef> refs;
      for (std::size_t k = 0; k < metas.size(); ++k) {
        const auto& rec = p->members[k];
        refs.push_back(MemberRef{&rec.name, &rec.addr, rec.incarnation, rec.state,
                                 std::string_view(reinterpret_cast<const char*>(metas[k].data()),
                                                  metas[k].size())});
      }
      REQUIRE(encode_push_pull(p->join, p->reply, refs, p->state) == wire_ref::encode(m));
    }
  }
  // Compounds of 1..255 parts, some parts past 255 and 65535 bytes.
  for (std::size_t n : {1, 2, 15, 16, 17, 255, 300}) {
    std::vector<Bytes> parts;
    for (std::size_t k = 0; k < n; ++k) parts.push_back(encode_part(any_message(r)));
    REQUIRE(encode_compound(parts) == wire_ref::encode_compound(parts));
  }
}

TEST_CASE("wire: decoding agrees with msgpack-c on valid and mutated packets") {
  const std::uint64_t seed = 77;
  std::printf("[seed] wire decode agreement: %llu\n", static_cast<unsigned long long>(seed));
  Rng r(seed);
  std::vector<Bytes> corpus;
  for (int i = 0; i < 400; ++i) {
    Message m = any_message(r);
    if (const auto* p = std::get_if<PushPull>(&m); p && p->members.size() > 6) continue;
    corpus.push_back(encode(m));
    std::vector<Bytes> parts;
    for (std::size_t k = 0, n = 1 + r.below(4); k < n; ++k) {
      Message x = any_message(r);
      if (!std::holds_alternative<PushPull>(x)) parts.push_back(encode_part(x));
    }
    if (!parts.empty()) corpus.push_back(encode_compound(parts));
  }
  std::size_t accepted = 0, rejected = 0;
  std::vector<Message> out;
  for (const Bytes& base : corpus) {
    REQUIRE(both_decode(base, out));  // every valid packet decodes to what was encoded
    for (int k = 0; k < 60; ++k) {
      Bytes b = base;
      switch (r.below(5)) {
        case 0: b[r.below(b.size())] ^= std::byte(1u << r.below(8)); break;
        case 1: b.resize(r.below(b.size())); break;
        case 2: {
          static constexpr std::uint8_t kVals[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
                                                   0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xca,
                                                   0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3,
                                                   0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff};
          b[r.below(b.size())] = std::byte{kVals[r.below(std::size(kVals))]};
          break;
        }
        case 3: b.insert(b.begin() + static_cast<std::ptrdiff_t>(r.below(b.size() + 1)),
                         std::byte(r.below(256)));
          break;
        default: b.erase(b.begin() + static_cast<std::ptrdiff_t>(r.below(b.size()))); break;
      }
      if (both_decode(b, out)) ++accepted; else ++rejected;
    }
  }
  std::printf("[measure] mutated packets: %zu accepted, %zu rejected, same verdicts as msgpack-c\n",
              accepted, rejected);
  CHECK(accepted > 100);  // the mutations reach valid variants too, not only garbage
  CHECK(rejected > 1000);
}

TEST_CASE("wire: every truncation of push-pulls and compounds is refused") {
  Rng r(5);
  PushPull p;
  p.reply = true;
  for (int i = 0; i < 3; ++i)
    p.members.push_back(MemberRecord{"m" + std::to_string(i), any_addr(r), 9, MemberState::alive,
                                     any_meta(r), 0});
  p.state = Bytes(40, std::byte{3});
  const Bytes compound = encode_compound({encode_part(Ack{1}), encode_part(Alive{"a", Address{"h", 1}, 2, any_meta(r), 0}),
                                          encode_part(Suspect{"b", 3, "c"})});
  for (const Bytes& good : {encode(p), compound}) {
    std::vector<Message> out;
    REQUIRE(both_decode(good, out));
    for (std::size_t n = 0; n < good.size(); ++n) {
      Bytes t(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
      CHECK_FALSE(both_decode(t, out));
      CHECK(out.empty());
    }
    Bytes longer = good;
    longer.push_back(std::byte{0xc0});
    CHECK_FALSE(both_decode(longer, out));
  }
}

TEST_CASE("wire: lengths that lie are refused") {
  std::vector<Message> out;
  const Bytes meta = raw_meta({"a", "b"});
  REQUIRE(both_decode(raw_alive(meta), out));
  SECTION("a bin claiming more than is there") {
    Bytes b = raw_alive(meta);
    b[b.size() - meta.size() - 1] = std::byte(meta.size() + 1);
    CHECK_FALSE(both_decode(b, out));
  }
  SECTION("a bin claiming less: the rest is trailing") {
    Bytes b = raw_alive(meta);
    b[b.size() - meta.size() - 1] = std::byte(meta.size() - 1);
    CHECK_FALSE(both_decode(b, out));
  }
  SECTION("metadata with a trailing byte inside its bin") {
    Bytes m = meta;
    m.push_back(std::byte{0x00});
    CHECK_FALSE(both_decode(raw_alive(m), out));
  }
  SECTION("a label map claiming more pairs than it has") {
    Bytes m = meta;
    m[3] = std::byte{0x83};  // [0x98, 0xa1 'z', map header]
    CHECK_FALSE(both_decode(raw_alive(m), out));
  }
  SECTION("a string claiming more than the packet has") {
    Bytes b = raw_alive(meta);
    b[3] = std::byte{0xd9};  // the name: a str8 of 255 bytes, in a packet far shorter
    b[4] = std::byte{0xff};
    CHECK_FALSE(both_decode(b, out));
  }
  SECTION("a push-pull claiming one record more than it has") {
    PushPull p;
    p.members.push_back(MemberRecord{"x", Address{"h", 1}, 1, MemberState::alive, {}, 0});
    Bytes b = encode(p);
    REQUIRE(b[5] == std::byte{0x91});  // version, type, [0x94, join, reply, records header]
    b[5] = std::byte{0x92};
    CHECK_FALSE(both_decode(b, out));
    b[5] = std::byte{0xdd};  // array32 of 2^32-1 records: refused without reserving for them
    b.insert(b.begin() + 6, {std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}});
    CHECK_FALSE(both_decode(b, out));
  }
  SECTION("a compound claiming more parts than it has, or none") {
    Bytes b = encode_compound({encode_part(Ack{1}), encode_part(Ack{2})});
    b[2] = std::byte{0x93};
    CHECK_FALSE(both_decode(b, out));
    Bytes empty{std::byte{kProtocolVersion}, std::byte{9}, std::byte{0x90}};
    CHECK_FALSE(both_decode(empty, out));
  }
  SECTION("metadata past kMaxMetaBytes") {
    Raw m;
    m.u8({0x98}).u8({0xda, 0x04, 0x00}).bytes(Bytes(1024, std::byte{'z'})).u8({0x80, 0x01, 0x02})
        .str("api").u8({0x01, 0xc3, 0xc2});
    Raw p;
    p.u8({kProtocolVersion, static_cast<int>(Type::alive), 0x94}).str("n").u8({0x92}).str("h")
        .u8({0x07, 0x03, 0xc5}).u8({static_cast<int>(m.b.size() >> 8), static_cast<int>(m.b.size() & 0xff)})
        .bytes(m.b);
    CHECK_FALSE(both_decode(p.b, out));
  }
}

TEST_CASE("wire: other valid encodings are read as msgpack-c reads them") {
  std::vector<Message> out;
  SECTION("integers in wider and signed forms, short strings in str8") {
    Raw p;  // alive: name as str8, port as int16, incarnation as int8 (non-negative)
    p.u8({kProtocolVersion, static_cast<int>(Type::alive), 0x94, 0xd9, 0x01, 'n', 0x92, 0xa1, 'h',
          0xd1, 0x1f, 0x90, 0xd0, 0x05})
        .bin8(raw_meta({}));
    REQUIRE(both_decode(p.b, out));
    const auto& a = std::get<Alive>(out.at(0));
    CHECK(a.name == "n");
    CHECK(a.addr.port == 8080);
    CHECK(a.incarnation == 5);
  }
  SECTION("a negative number where an unsigned one is expected") {
    Raw p;
    p.u8({kProtocolVersion, static_cast<int>(Type::ack), 0x91, 0xff});  // -1
    CHECK_FALSE(both_decode(p.b, out));
    Raw q;
    q.u8({kProtocolVersion, static_cast<int>(Type::ack), 0x91, 0xd0, 0x80});  // int8 -128
    CHECK_FALSE(both_decode(q.b, out));
    Raw w;  // uint64 past UINT32_MAX for a sequence number
    w.u8({kProtocolVersion, static_cast<int>(Type::ack), 0x91, 0xcf, 0, 0, 0, 1, 0, 0, 0, 0});
    CHECK_FALSE(both_decode(w.b, out));
  }
  SECTION("cpu as uint64 past INT64_MAX is refused, as int64 negative taken") {
    Raw m;
    m.u8({0x98}).str("z").u8({0x80, 0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x02}).str("api")
        .u8({0x01, 0xc3, 0xc2});
    CHECK_FALSE(both_decode(raw_alive(m.b), out));
    Raw n;
    n.u8({0x98}).str("z").u8({0x80, 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x02})
        .str("api").u8({0x01, 0xc3, 0xc2});
    REQUIRE(both_decode(raw_alive(n.b), out));
    CHECK(std::get<Alive>(out.at(0)).meta.cpu_milli == -2);
  }
  SECTION("label keys out of order are fine, a key twice is not") {
    REQUIRE(both_decode(raw_alive(raw_meta({"b", "a", "c"})), out));
    CHECK(std::get<Alive>(out.at(0)).meta.labels.size() == 3);
    CHECK_FALSE(both_decode(raw_alive(raw_meta({"a", "a"})), out));
    CHECK_FALSE(both_decode(raw_alive(raw_meta({"b", "a", "b"})), out));
    CHECK_FALSE(both_decode(raw_alive(raw_meta({"a", "b", "c", "b"})), out));
  }
}

TEST_CASE("wire: PacketBuilder gives a lone part as version + part, several as encode_compound") {
  Rng r(11);
  PacketBuilder b;
  CHECK(b.finish().empty());
  for (std::size_t n : {1, 2, 15, 16, 17, 255, 256}) {
    std::vector<Bytes> parts;
    for (std::size_t k = 0; k < n; ++k) {
      parts.push_back(encode_part(any_message(r)));
      b.add(parts.back());
    }
    CHECK(b.size() == std::min<std::size_t>(n, kMaxCompoundParts));
    const Bytes got = b.finish();
    CHECK(b.empty());
    if (n == 1) {
      Bytes want(parts[0].size() + 1);  // (built by index: insert() trips GCC 12's -Warray-bounds)
      want[0] = std::byte{kProtocolVersion};
      std::copy(parts[0].begin(), parts[0].end(), want.begin() + 1);
      CHECK(got == want);
    } else {
      CHECK(got == wire_ref::encode_compound(parts));
    }
  }
}
