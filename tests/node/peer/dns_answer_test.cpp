// The DNS answers: every name form, code and flag, on queries built and responses read by ldns.
#include <catch2/catch.hpp>

#include "tests/ldns.hpp"

#include <cstring>
#include <memory>
#include <set>

#include "node/peer/dns_answer.hpp"

using namespace shoal;
using node::DnsTransport;
using placement::InstanceState;

namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;

gossip::Member dns_member(const char* name, const char* host, gossip::MemberState s) {
  gossip::Member m;
  m.name = name;
  m.addr = {host, 7950};
  m.state = s;
  return m;
}

placement::InstanceStatus dns_inst(const char* svc, std::uint32_t index, InstanceState s,
                               std::uint16_t http) {
  placement::InstanceStatus i;
  i.id = {svc, index};
  i.state = s;
  i.host_ports["http"] = http;
  i.host_ports["admin"] = static_cast<std::uint16_t>(http + 1000);
  return i;
}

// Peers a, b, c (127.0.0.11..13), Dd (IPv6), dead e; web: 3 serving + 1 unhealthy; idle: a
// spec with no instance; big: 40 serving instances over 40 peers.
node::DnsView view() {
  gossip::Members ms;
  for (auto m : {dns_member("a", "127.0.0.11", gossip::MemberState::alive),
                 dns_member("b", "127.0.0.12", gossip::MemberState::alive),
                 dns_member("c", "127.0.0.13", gossip::MemberState::suspect),
                 dns_member("Dd", "fd00::4", gossip::MemberState::alive),
                 dns_member("e", "127.0.0.15", gossip::MemberState::dead),
                 dns_member("named", "host.example", gossip::MemberState::alive)})
    ms[m.name] = m;
  std::map<std::string, placement::PeerStatus> st;
  st["a"].instances = {dns_inst("web", 0, InstanceState::healthy, 31000)};
  st["b"].instances = {dns_inst("web", 1, InstanceState::healthy, 31001),
                       dns_inst("web", 3, InstanceState::unhealthy, 31003)};
  st["c"].instances = {dns_inst("web", 2, InstanceState::healthy, 31002)};
  st["e"].instances = {dns_inst("web", 4, InstanceState::healthy, 31004)};  // dead: not served
  for (int i = 0; i < 40; ++i) {
    const std::string n = "big-peer-" + std::to_string(i);
    ms[n] = dns_member(n.c_str(), ("10.1.0." + std::to_string(i + 1)).c_str(),
                   gossip::MemberState::alive);
    st[n].instances = {dns_inst("big", static_cast<std::uint32_t>(i), InstanceState::running, 30000)};
  }
  config::ServiceSpec web, idle, big;
  web.name = "web";
  web.health.kind = config::HealthCheck::Kind::http;
  web.ports = {{"admin", 81, {}}, {"http", 80, {}}};
  idle.name = "idle";
  idle.ports = {{"http", 80, {}}};
  big.name = "big";
  big.ports = {{"http", 80, {}}};
  config::PeerConfig::Dns cfg;
  cfg.ttl = 7000;
  return node::make_dns_view(cfg, ms, st, {web, idle, big});
}

std::vector<std::byte> query_bytes(const std::string& name, ldns_rr_type type,
                                   std::uint16_t edns = 0, ldns_pkt_opcode op = LDNS_PACKET_QUERY,
                                   std::uint8_t edns_version = 0) {
  Pkt q(ldns_pkt_query_new(ldns_dname_new_frm_str(name.c_str()), type, LDNS_RR_CLASS_IN,
                           LDNS_RD));
  ldns_pkt_set_id(q.get(), 0x1234);
  ldns_pkt_set_opcode(q.get(), op);
  if (edns) {
    ldns_pkt_set_edns_udp_size(q.get(), edns);
    ldns_pkt_set_edns_version(q.get(), edns_version);
  }
  std::uint8_t* buf = nullptr;
  std::size_t size = 0;
  REQUIRE(ldns_pkt2wire(&buf, q.get(), &size) == LDNS_STATUS_OK);
  std::vector<std::byte> out(size);
  std::memcpy(out.data(), buf, size);
  std::free(buf);
  return out;
}

struct Resp {
  Pkt p;
  std::size_t size = 0;
};

Resp parse(const std::vector<std::byte>& bytes) {
  ldns_pkt* raw = nullptr;
  REQUIRE(ldns_wire2pkt(&raw, reinterpret_cast<const std::uint8_t*>(bytes.data()),
                        bytes.size()) == LDNS_STATUS_OK);
  return {Pkt(raw), bytes.size()};
}

Resp ask(const std::string& name, ldns_rr_type type, DnsTransport t = DnsTransport::udp,
         std::uint16_t edns = 0, std::uint64_t seed = 1) {
  static const node::DnsView v = view();
  auto out = node::dns_answer(query_bytes(name, type, edns), v, t, seed);
  REQUIRE_FALSE(out.empty());
  return parse(out);
}

std::string text(const ldns_rdf* rd) {
  char* s = ldns_rdf2str(rd);
  std::string out = s ? s : "";
  std::free(s);
  return out;
}

// The rdata of each record of a section, as text ("127.0.0.11", "1 1 31000 a.peer.shoal.").
std::multiset<std::string> rdata(const ldns_rr_list* list) {
  std::multiset<std::string> out;
  for (std::size_t i = 0; i < ldns_rr_list_rr_count(list); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(list, i);
    std::string s;
    for (std::size_t f = 0; f < ldns_rr_rd_count(rr); ++f)
      s += (f ? " " : "") + text(ldns_rr_rdf(rr, f));
    out.insert(s);
  }
  return out;
}

using Set = std::multiset<std::string>;

}  // namespace

TEST_CASE("dns: SERVICE.service A gives each serving peer's advertise address once",
          "[node][peer][dns]") {
  auto r = ask("web.service.shoal.", LDNS_RR_TYPE_A);
  const ldns_pkt* p = r.p.get();
  CHECK(ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_id(p) == 0x1234);
  CHECK(ldns_pkt_qr(p));
  CHECK(ldns_pkt_aa(p));
  CHECK(ldns_pkt_rd(p));        // copied
  CHECK_FALSE(ldns_pkt_ra(p));  // no recursion
  CHECK_FALSE(ldns_pkt_tc(p));
  CHECK(ldns_pkt_qdcount(p) == 1);
  CHECK(rdata(ldns_pkt_answer(p)) == Set{"127.0.0.11", "127.0.0.12", "127.0.0.13"});
  CHECK(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)) == 7);
  // AAAA: the IPv6 peers only (none runs web), a no-data answer with the SOA
  auto six = ask("web.service.shoal", LDNS_RR_TYPE_AAAA);
  CHECK(ldns_pkt_get_rcode(six.p.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(six.p.get()) == 0);
  CHECK(ldns_pkt_nscount(six.p.get()) == 1);
}

TEST_CASE("dns: names are case-insensitive, with or without the trailing dot",
          "[node][peer][dns]") {
  for (const char* n : {"WEB.Service.SHOAL.", "web.service.shoal", "wEb.sErViCe.ShOaL"}) {
    auto r = ask(n, LDNS_RR_TYPE_A);
    CHECK(ldns_pkt_ancount(r.p.get()) == 3);
  }
  auto r = ask("A.peer.shoal", LDNS_RR_TYPE_A);
  CHECK(rdata(ldns_pkt_answer(r.p.get())) == Set{"127.0.0.11"});
  auto d = ask("dd.PEER.shoal", LDNS_RR_TYPE_AAAA);  // the member is spelled "Dd"
  CHECK(rdata(ldns_pkt_answer(d.p.get())) == Set{"fd00::4"});
}

TEST_CASE("dns: _PORT._tcp.SERVICE.service SRV, one per serving instance, A as additional",
          "[node][peer][dns]") {
  auto r = ask("_http._tcp.web.service.shoal", LDNS_RR_TYPE_SRV);
  const ldns_pkt* p = r.p.get();
  CHECK(ldns_pkt_get_rcode(p) == LDNS_RCODE_NOERROR);
  CHECK(rdata(ldns_pkt_answer(p)) == Set{"1 1 31000 a.peer.shoal.", "1 1 31001 b.peer.shoal.",
                                         "1 1 31002 c.peer.shoal."});
  CHECK(rdata(ldns_pkt_additional(p)) == Set{"127.0.0.11", "127.0.0.12", "127.0.0.13"});
  const ldns_rr* add = ldns_rr_list_rr(ldns_pkt_additional(p), 0);
  CHECK(text(ldns_rr_owner(add)).find(".peer.shoal.") != std::string::npos);
  auto admin = ask("_admin._tcp.web.service.shoal", LDNS_RR_TYPE_SRV);
  CHECK(rdata(ldns_pkt_answer(admin.p.get())) ==
        Set{"1 1 32000 a.peer.shoal.", "1 1 32001 b.peer.shoal.", "1 1 32002 c.peer.shoal."});
  // RFC 2782 style: _SERVICE._tcp.service, the service's first port by name (admin)
  auto rfc = ask("_web._tcp.service.shoal", LDNS_RR_TYPE_SRV);
  CHECK(rdata(ldns_pkt_answer(rfc.p.get())) == rdata(ldns_pkt_answer(admin.p.get())));
  // an A query of an SRV name: no data
  auto a = ask("_http._tcp.web.service.shoal", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(a.p.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(a.p.get()) == 0);
  // a port the service does not have: no such name
  auto nope = ask("_grpc._tcp.web.service.shoal", LDNS_RR_TYPE_SRV);
  CHECK(ldns_pkt_get_rcode(nope.p.get()) == LDNS_RCODE_NXDOMAIN);
}

TEST_CASE("dns: INDEX.SERVICE.service and PEER.peer", "[node][peer][dns]") {
  auto one = ask("1.web.service.shoal", LDNS_RR_TYPE_A);
  CHECK(rdata(ldns_pkt_answer(one.p.get())) == Set{"127.0.0.12"});
  auto unhealthy = ask("3.web.service.shoal", LDNS_RR_TYPE_A);  // exists, not serving
  CHECK(ldns_pkt_get_rcode(unhealthy.p.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(unhealthy.p.get()) == 0);
  auto peer = ask("c.peer.shoal", LDNS_RR_TYPE_A);  // suspect still counts as live
  CHECK(rdata(ldns_pkt_answer(peer.p.get())) == Set{"127.0.0.13"});
  for (const char* n : {"e.peer.shoal", "zz.peer.shoal", "named.peer.shoal"}) {
    INFO(n);  // dead, unknown, an advertise host that is not an IP
    CHECK(ldns_pkt_get_rcode(ask(n, LDNS_RR_TYPE_A).p.get()) == LDNS_RCODE_NXDOMAIN);
  }
}

TEST_CASE("dns: NXDOMAIN, NOERROR-empty, REFUSED, SOA", "[node][peer][dns]") {
  auto unknown = ask("nope.service.shoal", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(unknown.p.get()) == LDNS_RCODE_NXDOMAIN);
  CHECK(ldns_pkt_aa(unknown.p.get()));
  CHECK(ldns_pkt_nscount(unknown.p.get()) == 1);  // the SOA, for negative caching
  const ldns_rr* soa = ldns_rr_list_rr(ldns_pkt_authority(unknown.p.get()), 0);
  CHECK(ldns_rr_get_type(soa) == LDNS_RR_TYPE_SOA);
  CHECK(text(ldns_rr_owner(soa)) == "shoal.");
  for (const char* n : {"x.shoal", "a.b.web.service.shoal", "_http._udp.web.service.shoal"})
    CHECK(ldns_pkt_get_rcode(ask(n, LDNS_RR_TYPE_A).p.get()) == LDNS_RCODE_NXDOMAIN);
  auto idle = ask("idle.service.shoal", LDNS_RR_TYPE_A);
  CHECK(ldns_pkt_get_rcode(idle.p.get()) == LDNS_RCODE_NOERROR);
  CHECK(ldns_pkt_ancount(idle.p.get()) == 0);
  CHECK(ldns_pkt_get_rcode(ask("_http._tcp.idle.service.shoal", LDNS_RR_TYPE_SRV).p.get()) ==
        LDNS_RCODE_NOERROR);
  for (const char* n : {"example.com", "shoal.example.com", ".", "notshoal"}) {
    INFO(n);
    auto r = ask(n, LDNS_RR_TYPE_A);
    CHECK(ldns_pkt_get_rcode(r.p.get()) == LDNS_RCODE_REFUSED);
    CHECK(ldns_pkt_ancount(r.p.get()) == 0);
    CHECK_FALSE(ldns_pkt_ra(r.p.get()));
    CHECK_FALSE(ldns_pkt_aa(r.p.get()));
  }
  auto apex = ask("shoal", LDNS_RR_TYPE_SOA);
  CHECK(ldns_pkt_ancount(apex.p.get()) == 1);
  CHECK(ldns_pkt_get_rcode(ask("service.shoal", LDNS_RR_TYPE_A).p.get()) == LDNS_RCODE_NOERROR);
}

TEST_CASE("dns: FORMERR, NOTIMP, BADVERS and what gets no answer", "[node][peer][dns]") {
  const node::DnsView v = view();
  std::vector<std::byte> garbage(40, std::byte{0xff});
  garbage[2] = std::byte{0x01};  // a query (QR clear), RD
  auto fe = node::dns_answer(garbage, v, DnsTransport::udp, 1);
  REQUIRE(fe.size() == 12);  // the header alone: never more than what came
  CHECK(fe[0] == std::byte{0xff});
  CHECK((std::to_integer<int>(fe[3]) & 0x0f) == LDNS_RCODE_FORMERR);
  CHECK((std::to_integer<int>(fe[2]) & 0x80) != 0);
  auto q = query_bytes("web.service.shoal", LDNS_RR_TYPE_A);
  q[5] = std::byte{2};  // qdcount 2, one question present
  CHECK(!node::dns_answer(q, v, DnsTransport::udp, 1).empty());
  q = query_bytes("web.service.shoal", LDNS_RR_TYPE_A);
  q[5] = std::byte{0};  // no question
  q.resize(12);
  auto none = node::dns_answer(q, v, DnsTransport::udp, 1);
  REQUIRE(none.size() == 12);
  CHECK((std::to_integer<int>(none[3]) & 0x0f) == LDNS_RCODE_FORMERR);
  // too short for a header, or a response: silence (no reflection loops)
  CHECK(node::dns_answer(std::vector<std::byte>(11), v, DnsTransport::udp, 1).empty());
  q = query_bytes("web.service.shoal", LDNS_RR_TYPE_A);
  q[2] |= std::byte{0x80};
  CHECK(node::dns_answer(q, v, DnsTransport::udp, 1).empty());
  // an opcode other than QUERY
  auto notify = parse(node::dns_answer(
      query_bytes("web.service.shoal", LDNS_RR_TYPE_A, 0, LDNS_PACKET_NOTIFY), v,
      DnsTransport::udp, 1));
  CHECK(ldns_pkt_get_rcode(notify.p.get()) == LDNS_RCODE_NOTIMPL);
  CHECK(ldns_pkt_ancount(notify.p.get()) == 0);
  // EDNS version 1: BADVERS (extended rcode 1)
  auto bad = parse(node::dns_answer(
      query_bytes("web.service.shoal", LDNS_RR_TYPE_A, 1232, LDNS_PACKET_QUERY, 1), v,
      DnsTransport::udp, 1));
  CHECK(ldns_pkt_edns_extended_rcode(bad.p.get()) == 1);
  CHECK(ldns_pkt_ancount(bad.p.get()) == 0);
}

TEST_CASE("dns: over UDP a large answer is truncated, TCP and EDNS0 carry it",
          "[node][peer][dns]") {
  auto udp = ask("big.service.shoal", LDNS_RR_TYPE_A);  // 40 A records > 512 bytes
  CHECK(ldns_pkt_tc(udp.p.get()));
  CHECK(ldns_pkt_ancount(udp.p.get()) == 0);
  CHECK(ldns_pkt_qdcount(udp.p.get()) == 1);
  CHECK(udp.size <= node::kDnsUdpPlain);
  auto tcp = ask("big.service.shoal", LDNS_RR_TYPE_A, DnsTransport::tcp);
  CHECK_FALSE(ldns_pkt_tc(tcp.p.get()));
  CHECK(ldns_pkt_ancount(tcp.p.get()) == 40);
  auto edns = ask("big.service.shoal", LDNS_RR_TYPE_A, DnsTransport::udp, 4096);
  CHECK_FALSE(ldns_pkt_tc(edns.p.get()));
  CHECK(ldns_pkt_ancount(edns.p.get()) == 40);
  CHECK(ldns_pkt_edns(edns.p.get()));
  CHECK(ldns_pkt_edns_udp_size(edns.p.get()) == node::kDnsUdpMax);
  // SRV with additional: 40 x (SRV + A) is more than the 1232-byte cap, whatever is advertised
  auto srv = ask("_http._tcp.big.service.shoal", LDNS_RR_TYPE_SRV, DnsTransport::udp, 65000);
  CHECK(ldns_pkt_tc(srv.p.get()));
  CHECK(srv.size <= node::kDnsUdpMax);
  auto small = ask("big.service.shoal", LDNS_RR_TYPE_A, DnsTransport::udp, 100);  // < 512: 512
  CHECK(ldns_pkt_tc(small.p.get()));
  auto srv_tcp = ask("_http._tcp.big.service.shoal", LDNS_RR_TYPE_SRV, DnsTransport::tcp);
  CHECK(ldns_pkt_ancount(srv_tcp.p.get()) == 40);
  CHECK(ldns_pkt_arcount(srv_tcp.p.get()) == 40);
}

TEST_CASE("dns: answers are shuffled per query (by the seed)", "[node][peer][dns]") {
  std::set<std::string> firsts;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    auto r = ask("web.service.shoal", LDNS_RR_TYPE_A, DnsTransport::udp, 0, seed);
    firsts.insert(text(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(r.p.get()), 0), 0)));
  }
  CHECK(firsts.size() == 3);
  auto a = ask("_http._tcp.big.service.shoal", LDNS_RR_TYPE_SRV, DnsTransport::tcp, 0, 5);
  auto b = ask("_http._tcp.big.service.shoal", LDNS_RR_TYPE_SRV, DnsTransport::tcp, 0, 5);
  CHECK(rdata(ldns_pkt_answer(a.p.get())) == rdata(ldns_pkt_answer(b.p.get())));
}

TEST_CASE("dns: the domain and ttl come from the configuration", "[node][peer][dns]") {
  config::PeerConfig::Dns cfg;
  cfg.domain = "Cluster.Example.";
  cfg.ttl = 0;
  gossip::Members ms;
  ms["a"] = dns_member("a", "10.0.0.1", gossip::MemberState::alive);
  const node::DnsView v = node::make_dns_view(cfg, ms, {}, {});
  CHECK(v.domain == "cluster.example");
  auto r = parse(node::dns_answer(query_bytes("a.peer.cluster.example", LDNS_RR_TYPE_A), v,
                                  DnsTransport::udp, 1));
  REQUIRE(ldns_pkt_ancount(r.p.get()) == 1);
  CHECK(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(r.p.get()), 0)) == 0);
  auto s = parse(node::dns_answer(query_bytes("a.peer.shoal", LDNS_RR_TYPE_A), v,
                                  DnsTransport::udp, 1));
  CHECK(ldns_pkt_get_rcode(s.p.get()) == LDNS_RCODE_REFUSED);
}

TEST_CASE("dns: names in wire format, and none past DNS's limits", "[node][peer][dns]") {
  CHECK(node::dns_wire_name("a.peer.shoal") ==
        std::vector<std::uint8_t>{1, 'a', 4, 'p', 'e', 'e', 'r', 5, 's', 'h', 'o', 'a', 'l', 0});
  CHECK(node::dns_wire_name("").size() == 1);  // the root
  CHECK(node::dns_wire_name("a..b").empty());
  CHECK(node::dns_wire_name(std::string(64, 'x') + ".shoal").empty());
  std::string long_name;
  for (int i = 0; i < 5; ++i) long_name += std::string(60, 'x') + ".";
  CHECK(node::dns_wire_name(long_name + "shoal").empty());  // > 255 bytes
}

TEST_CASE("dns: over UDP without EDNS0 an answer is at most 8 times the query",
          "[node][peer][dns]") {
  gossip::Members ms;
  std::map<std::string, placement::PeerStatus> st;
  for (int i = 0; i < 20; ++i) {  // 20 A records: 35 + 20 x 16 bytes > 8 x 35, < 512
    const std::string n = "p" + std::to_string(i);
    ms[n] = dns_member(n.c_str(), ("10.2.0." + std::to_string(i + 1)).c_str(),
                   gossip::MemberState::alive);
    st[n].instances = {dns_inst("w", static_cast<std::uint32_t>(i), InstanceState::running, 30000)};
  }
  config::ServiceSpec w;
  w.name = "w";
  const node::DnsView v = node::make_dns_view({}, ms, st, {w});
  const auto q = query_bytes("w.service.shoal", LDNS_RR_TYPE_A);
  const auto plain = node::dns_answer(q, v, DnsTransport::udp, 1);
  CHECK(plain.size() <= node::kDnsUdpFactor * q.size());
  CHECK(ldns_pkt_tc(parse(plain).p.get()));
  auto edns = parse(node::dns_answer(query_bytes("w.service.shoal", LDNS_RR_TYPE_A, 1232), v,
                                     DnsTransport::udp, 1));
  CHECK(ldns_pkt_ancount(edns.p.get()) == 20);
  // the usual answers fit: 3 A, 3 SRV with 3 A additional, NXDOMAIN with the SOA
  for (auto [name, type] : {std::pair{"web.service.shoal", LDNS_RR_TYPE_A},
                            std::pair{"_http._tcp.web.service.shoal", LDNS_RR_TYPE_SRV},
                            std::pair{"nope.service.shoal", LDNS_RR_TYPE_A}}) {
    INFO(name);
    auto r = ask(name, type);
    CHECK_FALSE(ldns_pkt_tc(r.p.get()));
    CHECK(r.size <= node::kDnsUdpFactor * query_bytes(name, type).size());
  }
}
