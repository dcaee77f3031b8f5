#include "node/peer/dns_answer.hpp"

#include "node/peer/ldns.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "gossip/rng.hpp"
#include "node/peer/catalog.hpp"

namespace shoal::node {
namespace {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct RrFree {
  void operator()(ldns_rr* r) const { ldns_rr_free(r); }
};
struct RdfFree {
  void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
std::string lower(std::string s) {
  for (char& c : s) c = lower(c);
  return s;
}

std::vector<std::string> split_domain(const std::string& d) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < d.size()) {
    std::size_t dot = d.find('.', start);
    if (dot == std::string::npos) dot = d.size();
    out.push_back(d.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

// The labels of a wire-format name (ldns checked its bounds), lowercased.
std::vector<std::string> labels_of(const ldns_rdf* name) {
  std::vector<std::string> out;
  const std::uint8_t* d = ldns_rdf_data(name);
  const std::size_t n = ldns_rdf_size(name);
  for (std::size_t i = 0; i < n && d[i] != 0;) {
    const std::size_t len = d[i];
    if (i + 1 + len > n) break;
    out.push_back(lower(std::string(reinterpret_cast<const char*>(d + i + 1), len)));
    i += 1 + len;
  }
  return out;
}

struct Reply {
  std::uint8_t rcode = LDNS_RCODE_NOERROR;
  std::vector<RrPtr> answer;
  std::vector<RrPtr> additional;
  bool negative = false;  // NXDOMAIN or no data: the zone's SOA goes into authority
};

RrPtr make_rr(ldns_rdf* owner, ldns_rr_type type, std::uint32_t ttl) {
  RrPtr rr(ldns_rr_new());
  ldns_rr_set_owner(rr.get(), owner);
  ldns_rr_set_type(rr.get(), type);
  ldns_rr_set_class(rr.get(), LDNS_RR_CLASS_IN);
  ldns_rr_set_ttl(rr.get(), ttl);
  return rr;
}

RrPtr address_rr(const ldns_rdf* owner, const DnsAddress& a, std::uint32_t ttl) {
  RrPtr rr = make_rr(ldns_rdf_clone(owner), a.v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A, ttl);
  ldns_rr_push_rdf(rr.get(), ldns_rdf_new_frm_data(a.v6 ? LDNS_RDF_TYPE_AAAA : LDNS_RDF_TYPE_A,
                                                   a.v6 ? 16 : 4, a.bytes.data()));
  return rr;
}

ldns_rdf* dname(const std::vector<std::uint8_t>& wire) {
  return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, wire.size(), wire.data());
}

RrPtr soa_rr(const DnsView& v) {
  if (v.apex.empty() || v.ns.empty() || v.mbox.empty()) return nullptr;
  RrPtr rr = make_rr(dname(v.apex), LDNS_RR_TYPE_SOA, v.ttl);
  ldns_rr_push_rdf(rr.get(), dname(v.ns));
  ldns_rr_push_rdf(rr.get(), dname(v.mbox));
  for (std::uint32_t n : {1u, 3600u, 600u, 86400u, v.ttl})  // serial .. minimum (= the ttl)
    ldns_rr_push_rdf(rr.get(), ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, n));
  return rr;
}

bool wants(ldns_rr_type q, const DnsAddress& a) {
  return q == LDNS_RR_TYPE_ANY || q == (a.v6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A);
}

// A/AAAA for each distinct address, shuffled.
void addresses(Reply& r, const ldns_rdf* owner, ldns_rr_type q, std::vector<DnsAddress> addrs,
               const DnsView& v, gossip::Rng& rng) {
  std::vector<DnsAddress> seen;
  for (const auto& a : addrs) {
    if (!wants(q, a) || std::find(seen.begin(), seen.end(), a) != seen.end()) continue;
    seen.push_back(a);
    r.answer.push_back(address_rr(owner, a, v.ttl));
  }
  rng.shuffle(r.answer);
  r.negative = r.answer.empty();
}

// SRV per serving instance that has `port`, target PEER.peer.DOMAIN, A/AAAA as additional data.
void srv(Reply& r, const ldns_rdf* owner, ldns_rr_type q, const DnsService& s,
         const std::string& port, const DnsView& v, gossip::Rng& rng) {
  if (q != LDNS_RR_TYPE_SRV && q != LDNS_RR_TYPE_ANY) {
    r.negative = true;
    return;
  }
  std::vector<const DnsInstance*> order;
  for (const auto& i : s.serving)
    if (i.ports.count(port)) order.push_back(&i);
  rng.shuffle(order);
  std::vector<std::string> targets;
  for (const DnsInstance* i : order) {
    if (i->target.empty()) continue;  // too long a name
    RdfPtr target(dname(i->target));
    RrPtr rr = make_rr(ldns_rdf_clone(owner), LDNS_RR_TYPE_SRV, v.ttl);
    for (std::uint16_t n : {std::uint16_t{1}, std::uint16_t{1}, i->ports.at(port)})  // prio, weight
      ldns_rr_push_rdf(rr.get(), ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, n));
    if (std::find(targets.begin(), targets.end(), i->peer) == targets.end()) {
      targets.push_back(i->peer);
      r.additional.push_back(address_rr(target.get(), i->address, v.ttl));
    }
    ldns_rr_push_rdf(rr.get(), target.release());
    r.answer.push_back(std::move(rr));
  }
  r.negative = r.answer.empty();
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// rel: the labels left of the domain, "service" last.
void service_name(Reply& r, const std::vector<std::string>& rel, const ldns_rdf* owner,
                  ldns_rr_type q, const DnsView& v, gossip::Rng& rng) {
  auto known = [&](const std::string& name) -> const DnsService* {
    auto it = v.services.find(name);
    return it == v.services.end() ? nullptr : &it->second;
  };
  const DnsService* s = nullptr;
  if (rel.size() == 1) {  // service.DOMAIN itself: a name with no data
    r.negative = true;
  } else if (rel.size() == 2 && (s = known(rel[0]))) {  // SERVICE.service
    std::vector<DnsAddress> a;
    for (const auto& i : s->serving) a.push_back(i.address);
    addresses(r, owner, q, std::move(a), v, rng);
  } else if (rel.size() == 3 && rel[1] == "_tcp" && rel[0].size() > 1 && rel[0][0] == '_' &&
             (s = known(rel[0].substr(1)))) {  // _SERVICE._tcp.service: its first port
    if (s->ports.empty()) {
      r.negative = true;
    } else {
      srv(r, owner, q, *s, s->ports.front(), v, rng);
    }
  } else if (rel.size() == 3 && all_digits(rel[0]) && (s = known(rel[1]))) {  // INDEX.SERVICE
    const auto index = std::stoul(rel[0]);
    std::vector<DnsAddress> a;
    for (const auto& i : s->serving)
      if (i.index == index) a.push_back(i.address);
    addresses(r, owner, q, std::move(a), v, rng);
  } else if (rel.size() == 4 && rel[1] == "_tcp" && rel[0].size() > 1 && rel[0][0] == '_' &&
             (s = known(rel[2])) &&
             std::count(s->ports.begin(), s->ports.end(), rel[0].substr(1))) {  // _PORT._tcp
    srv(r, owner, q, *s, rel[0].substr(1), v, rng);
  } else {
    r.rcode = LDNS_RCODE_NXDOMAIN;
    r.negative = true;
  }
}

void peer_name(Reply& r, const std::vector<std::string>& rel, const ldns_rdf* owner,
               ldns_rr_type q, const DnsView& v, gossip::Rng& rng) {
  if (rel.size() == 1) {  // peer.DOMAIN itself
    r.negative = true;
    return;
  }
  std::string name;  // a name with dots spans labels; a dot inside one label matches nothing
  bool dotted_label = false;
  for (std::size_t i = 0; i + 1 < rel.size(); ++i) {
    dotted_label = dotted_label || rel[i].find('.') != std::string::npos;
    name += (i ? "." : "") + rel[i];
  }
  auto it = dotted_label ? v.peers.end() : v.peers.find(name);
  if (it == v.peers.end()) {
    r.rcode = LDNS_RCODE_NXDOMAIN;
    r.negative = true;
    return;
  }
  addresses(r, owner, q, {it->second}, v, rng);
}

Reply resolve(const ldns_rr* question, const DnsView& v, gossip::Rng& rng) {
  Reply r;
  const ldns_rr_class cls = ldns_rr_get_class(question);
  const std::vector<std::string> labels = labels_of(ldns_rr_owner(question));
  const std::vector<std::string> domain = split_domain(v.domain);
  if ((cls != LDNS_RR_CLASS_IN && cls != LDNS_RR_CLASS_ANY) || labels.size() < domain.size() ||
      !std::equal(domain.begin(), domain.end(), labels.end() - domain.size())) {
    r.rcode = LDNS_RCODE_REFUSED;  // not ours: no recursion
    return r;
  }
  const std::vector<std::string> rel(labels.begin(), labels.end() - domain.size());
  const ldns_rdf* owner = ldns_rr_owner(question);
  const ldns_rr_type q = ldns_rr_get_type(question);
  if (rel.empty()) {  // the apex
    if (q == LDNS_RR_TYPE_SOA) {
      if (RrPtr soa = soa_rr(v)) r.answer.push_back(std::move(soa));
    } else {
      r.negative = true;
    }
  } else if (rel.back() == "service") {
    service_name(r, rel, owner, q, v, rng);
  } else if (rel.back() == "peer") {
    peer_name(r, rel, owner, q, v, rng);
  } else {
    r.rcode = LDNS_RCODE_NXDOMAIN;
    r.negative = true;
  }
  return r;
}

PktPtr header(const ldns_pkt* q, const ldns_rr* question, std::uint8_t rcode, bool edns) {
  PktPtr p(ldns_pkt_new());
  ldns_pkt_set_id(p.get(), ldns_pkt_id(q));
  ldns_pkt_set_qr(p.get(), true);
  ldns_pkt_set_opcode(p.get(), ldns_pkt_get_opcode(q));
  ldns_pkt_set_rd(p.get(), ldns_pkt_rd(q));
  ldns_pkt_set_ra(p.get(), false);
  ldns_pkt_set_aa(p.get(), rcode == LDNS_RCODE_NOERROR || rcode == LDNS_RCODE_NXDOMAIN);
  ldns_pkt_set_rcode(p.get(), rcode);
  if (question) ldns_pkt_push_rr(p.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));
  if (edns) ldns_pkt_set_edns_udp_size(p.get(), static_cast<std::uint16_t>(kDnsUdpMax));
  return p;
}

std::vector<std::byte> wire(const ldns_pkt* p) {
  std::uint8_t* buf = nullptr;
  std::size_t size = 0;
  if (ldns_pkt2wire(&buf, p, &size) != LDNS_STATUS_OK) {
    std::free(buf);
    return {};
  }
  std::vector<std::byte> out(size);
  std::memcpy(out.data(), buf, size);
  std::free(buf);
  return out;
}

// FORMERR for what ldns cannot parse: the header's id, opcode and RD back, nothing else.
std::vector<std::byte> format_error(std::span<const std::byte> q) {
  std::vector<std::byte> out(12, std::byte{0});
  out[0] = q[0];
  out[1] = q[1];
  out[2] = std::byte{0x80} | (q[2] & std::byte{0x79});  // QR, the opcode, RD
  out[3] = std::byte{LDNS_RCODE_FORMERR};
  return out;
}

// Over UDP without EDNS0 an answer is at most a few times the question (a spoofed source gains
// little by reflecting off us); with EDNS0 the client's size, within 512..1232.
std::size_t limit_of(const ldns_pkt* q, std::size_t query_size, DnsTransport t) {
  if (t == DnsTransport::tcp) return kDnsTcpMax;
  if (!ldns_pkt_edns(q)) return std::min(kDnsUdpPlain, kDnsUdpFactor * query_size);
  return std::clamp<std::size_t>(ldns_pkt_edns_udp_size(q), kDnsUdpPlain, kDnsUdpMax);
}

}  // namespace

std::vector<std::byte> dns_answer(std::span<const std::byte> query, const DnsView& view,
                                  DnsTransport transport, std::uint64_t seed) {
  if (query.size() < 12 || (query[2] & std::byte{0x80}) != std::byte{0}) return {};
  ldns_pkt* raw = nullptr;
  const auto* data = reinterpret_cast<const std::uint8_t*>(query.data());
  if (ldns_wire2pkt(&raw, data, query.size()) != LDNS_STATUS_OK) {
    if (raw) ldns_pkt_free(raw);
    return format_error(query);
  }
  PktPtr q(raw);
  const ldns_rr_list* qs = ldns_pkt_question(q.get());
  if (ldns_pkt_qdcount(q.get()) != 1 || qs == nullptr || ldns_rr_list_rr_count(qs) != 1)
    return format_error(query);
  const ldns_rr* question = ldns_rr_list_rr(qs, 0);
  const bool edns = ldns_pkt_edns(q.get());
  if (ldns_pkt_get_opcode(q.get()) != LDNS_PACKET_QUERY)
    return wire(header(q.get(), question, LDNS_RCODE_NOTIMPL, edns).get());
  if (edns && ldns_pkt_edns_version(q.get()) > 0) {  // BADVERS (16): extended rcode 1, rcode 0
    PktPtr p = header(q.get(), question, LDNS_RCODE_NOERROR, true);
    ldns_pkt_set_aa(p.get(), false);
    ldns_pkt_set_edns_extended_rcode(p.get(), 1);
    return wire(p.get());
  }
  gossip::Rng rng(seed);
  Reply r = resolve(question, view, rng);
  PktPtr p = header(q.get(), question, r.rcode, edns);
  for (auto& rr : r.answer) ldns_pkt_push_rr(p.get(), LDNS_SECTION_ANSWER, rr.release());
  if (r.negative)
    if (RrPtr soa = soa_rr(view))
      ldns_pkt_push_rr(p.get(), LDNS_SECTION_AUTHORITY, soa.release());
  for (auto& rr : r.additional) ldns_pkt_push_rr(p.get(), LDNS_SECTION_ADDITIONAL, rr.release());
  std::vector<std::byte> out = wire(p.get());
  if (out.size() <= limit_of(q.get(), query.size(), transport)) return out;
  // Too large for this transport: the question alone with TC (the client retries over TCP).
  PktPtr t = header(q.get(), question, r.rcode, edns);
  ldns_pkt_set_tc(t.get(), true);
  return wire(t.get());
}

std::vector<std::uint8_t> dns_wire_name(std::string_view text) {
  std::vector<std::uint8_t> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) dot = text.size();
    const std::size_t len = dot - start;
    if (len == 0 || len > 63) return {};
    out.push_back(static_cast<std::uint8_t>(len));
    out.insert(out.end(), text.begin() + static_cast<std::ptrdiff_t>(start),
               text.begin() + static_cast<std::ptrdiff_t>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  if (out.size() > 255) return {};
  return out;
}

std::uint64_t dns_view_key(std::uint64_t view_hash, const gossip::Store& store) {
  std::uint64_t h = view_hash;
  auto mix = [&h](std::uint64_t x) { h = (h ^ x) * 1099511628211ULL + 0x9e3779b97f4a7c15ULL; };
  const auto& entries = store.entries();
  for (auto it = entries.lower_bound(gossip::kStatusPrefix);
       it != entries.end() && it->first.starts_with(gossip::kStatusPrefix); ++it) {
    mix(it->second.version.hlc);
    mix(it->second.deleted ? 1 : 2);
    for (char c : it->second.version.origin) mix(static_cast<unsigned char>(c));
  }
  return h;
}

DnsView make_dns_view(const config::PeerConfig::Dns& cfg, const gossip::Members& members,
                      const std::map<std::string, placement::PeerStatus>& statuses,
                      const std::vector<config::ServiceSpec>& specs) {
  DnsView v;
  v.domain = lower(cfg.domain);
  while (!v.domain.empty() && v.domain.back() == '.') v.domain.pop_back();
  v.ttl = static_cast<std::uint32_t>(
      std::clamp<config::Millis>(cfg.ttl / 1000, 0, std::numeric_limits<std::int32_t>::max()));
  v.apex = dns_wire_name(v.domain);
  v.ns = dns_wire_name("ns." + v.domain);
  v.mbox = dns_wire_name("hostmaster." + v.domain);
  for (const auto& [name, m] : members) {
    if (!gossip::is_live(m.state)) continue;
    std::string host = m.addr.host;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    ldns_rdf* rd = nullptr;
    DnsAddress a;
    if (ldns_str2rdf_a(&rd, host.c_str()) == LDNS_STATUS_OK && ldns_rdf_size(rd) == 4) {
      std::memcpy(a.bytes.data(), ldns_rdf_data(rd), 4);
    } else {
      ldns_rdf_deep_free(rd);
      rd = nullptr;
      if (ldns_str2rdf_aaaa(&rd, host.c_str()) != LDNS_STATUS_OK || ldns_rdf_size(rd) != 16) {
        ldns_rdf_deep_free(rd);
        continue;  // not an IP literal: no address to give
      }
      a.v6 = true;
      std::memcpy(a.bytes.data(), ldns_rdf_data(rd), 16);
    }
    ldns_rdf_deep_free(rd);
    v.peers.emplace(lower(name), a);
  }
  for (const auto& spec : specs) {
    DnsService s;
    for (const auto& p : spec.ports) s.ports.push_back(p.name);
    for (auto& e : endpoints(spec.name, members, statuses, &spec)) {
      auto peer = v.peers.find(lower(e.peer));
      if (!e.serving || peer == v.peers.end()) continue;
      s.serving.push_back(DnsInstance{e.index, e.peer, peer->second, std::move(e.ports),
                                      dns_wire_name(e.peer + ".peer." + v.domain)});
    }
    v.services[lower(spec.name)] = std::move(s);
  }
  return v;
}

}  // namespace shoal::node
