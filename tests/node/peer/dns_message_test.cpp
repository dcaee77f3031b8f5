// The DNS wire format read from hostile bytes (written by hand here, not by an encoder) and
// written with compression that ldns, a second implementation, reads back.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "node/peer/dns_message.hpp"
#include "tests/ldns.hpp"

using namespace shoal::node;
using Bytes = std::vector<std::uint8_t>;

namespace {

// A header with one question and `an`/`ns`/`ar` records announced, then `rest`.
Bytes message(const Bytes& rest, std::uint16_t an = 0, std::uint16_t ns = 0,
              std::uint16_t ar = 0) {
  Bytes m{0x12, 0x34, 0x01, 0x00, 0, 1,
          static_cast<std::uint8_t>(an >> 8), static_cast<std::uint8_t>(an),
          static_cast<std::uint8_t>(ns >> 8), static_cast<std::uint8_t>(ns),
          static_cast<std::uint8_t>(ar >> 8), static_cast<std::uint8_t>(ar)};
  m.insert(m.end(), rest.begin(), rest.end());
  return m;
}

const Bytes kName{3, 'W', 'e', 'b', 7, 's', 'e', 'r', 'v', 'i', 'c', 'e', 5, 's', 'h', 'o', 'a', 'l', 0};
const Bytes kTypeClassA{0, 1, 0, 1};
// An OPT record: root owner, type 41, UDP size 1232, version `v`, no data.
Bytes opt(std::uint8_t v = 0) { return {0, 0, 41, 0x04, 0xD0, 0, v, 0, 0, 0, 0}; }

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

TEST_CASE("dns wire: a plain query and one with EDNS0", "[node][peer][dns]") {
  auto q = dns::read_query(message(cat({kName, kTypeClassA})));
  REQUIRE(q);
  CHECK(q->id == 0x1234);
  CHECK(q->rd);
  CHECK(q->name == kName);  // its case kept
  CHECK(q->type == dns::kTypeA);
  CHECK_FALSE(q->edns);
  CHECK(dns::lowercase_labels(q->name) == std::vector<std::string>{"web", "service", "shoal"});
  auto e = dns::read_query(message(cat({kName, kTypeClassA, opt(1)}), 0, 0, 1));
  REQUIRE(e);
  CHECK(e->edns);
  CHECK(e->udp_size == 1232);
  CHECK(e->edns_version == 1);
}

TEST_CASE("dns wire: compression pointers that loop or point ahead are refused",
          "[node][peer][dns]") {
  // A question name that is a pointer to itself (offset 12), ahead, or into the next byte.
  for (Bytes name : {Bytes{0xC0, 12}, Bytes{0xC0, 14}, Bytes{0xC0, 200}, Bytes{0xC0}}) {
    INFO(int(name.back()));
    CHECK_FALSE(dns::read_query(message(cat({name, kTypeClassA}))));
  }
  // Two pointers chasing each other: an answer name at 35 pointing to 37, which points to 35.
  const Bytes question = cat({kName, kTypeClassA});  // ends at 12 + 23 = 35
  CHECK_FALSE(dns::read_query(message(cat({question, {0xC0, 37, 0xC0, 35}}), 1)));
  // A pointer back to the question's name is fine; its record's data must be there.
  CHECK(dns::read_query(message(cat({question, {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2,
                                                3, 4}}), 1)));
  CHECK_FALSE(dns::read_query(message(cat({question, {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 5, 0, 9,
                                                      1, 2, 3, 4}}), 1)));
}

TEST_CASE("dns wire: lengths, label types and counts past the bytes received",
          "[node][peer][dns]") {
  CHECK_FALSE(dns::read_query(message(cat({{3, 'w', 'e'}}))));       // a label past the end
  CHECK_FALSE(dns::read_query(message(cat({kName, {0, 1}}))));       // no class
  CHECK_FALSE(dns::read_query(message(cat({{0x41, 'x', 0}, kTypeClassA}))));  // label type 01
  CHECK_FALSE(dns::read_query(message(cat({{0x81, 'x', 0}, kTypeClassA}))));  // label type 10
  Bytes question(12, 0);  // 0 questions
  question[5] = 0;
  CHECK_FALSE(dns::read_query(question));
  Bytes two = message(cat({kName, kTypeClassA}));
  two[5] = 2;
  CHECK_FALSE(dns::read_query(two));
  // 65535 records announced in each section and none sent: refused at once.
  CHECK_FALSE(dns::read_query(message(cat({kName, kTypeClassA}), 0xFFFF, 0xFFFF, 0xFFFF)));
  // A name of 256 bytes (three 63-byte labels, one of 62 and the root) is refused; 255 is not.
  auto name_of = [](std::uint8_t last) {
    Bytes n;
    for (std::uint8_t len : {std::uint8_t{63}, std::uint8_t{63}, std::uint8_t{63}, last}) {
      n.push_back(len);
      n.insert(n.end(), len, 'x');
    }
    n.push_back(0);
    return n;
  };
  CHECK(name_of(62).size() == 256);
  CHECK_FALSE(dns::read_query(message(cat({name_of(62), kTypeClassA}))));
  CHECK(dns::read_query(message(cat({name_of(61), kTypeClassA}))));
}

TEST_CASE("dns wire: OPT only once, only in the additional section, only at the root",
          "[node][peer][dns]") {
  const Bytes question = cat({kName, kTypeClassA});
  CHECK_FALSE(dns::read_query(message(cat({question, opt(), opt()}), 0, 0, 2)));
  CHECK_FALSE(dns::read_query(message(cat({question, opt()}), 1)));  // in the answer section
  CHECK_FALSE(dns::read_query(message(cat({question, opt()}), 0, 1)));
  Bytes owned = opt();
  owned.erase(owned.begin());
  owned.insert(owned.begin(), {1, 'x', 0});
  CHECK_FALSE(dns::read_query(message(cat({question, owned}), 0, 0, 1)));
}

TEST_CASE("dns wire: names are compressed, SRV targets never, and ldns reads them back",
          "[node][peer][dns]") {
  const auto q = dns::read_query(message(cat({kName, kTypeClassA}), 0, 0, 0));
  REQUIRE(q);
  dns::Writer w(*q, dns::noerror, true);
  const Bytes target{1, 'a', 4, 'p', 'e', 'e', 'r', 5, 's', 'h', 'o', 'a', 'l', 0};
  for (int i = 0; i < 2; ++i)
    w.record(dns::Section::answer, q->name, dns::kTypeSrv, 5, [&](dns::Writer& d) {
      d.u16(1);
      d.u16(1);
      d.u16(static_cast<std::uint16_t>(8080 + i));
      d.name(target, false);
    });
  w.record(dns::Section::additional, target, dns::kTypeA, 5,
           [](dns::Writer& d) { d.bytes(Bytes{10, 0, 0, 1}); });
  const auto out = w.take();
  // header 12, question 23, each SRV: a 2-byte pointer, 10 bytes, 6 of data and the whole
  // 14-byte target; the A: its owner a pointer to the first target, 10 bytes, 4 of data.
  CHECK(out.size() == 12 + 23 + 2 * (2 + 10 + 6 + 14) + (2 + 10 + 4));
  ldns_pkt* raw = nullptr;
  REQUIRE(ldns_wire2pkt(&raw, reinterpret_cast<const std::uint8_t*>(out.data()), out.size()) ==
          LDNS_STATUS_OK);
  CHECK(ldns_pkt_ancount(raw) == 2);
  CHECK(ldns_pkt_arcount(raw) == 1);
  char* owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_additional(raw), 0)));
  CHECK(std::string(owner) == "a.peer.shoal.");
  std::free(owner);
  ldns_pkt_free(raw);
}
