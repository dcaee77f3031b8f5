#include "node/peer/dns_answer.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

#include "gossip/rng.hpp"
#include "node/peer/catalog.hpp"
#include "node/peer/dns_message.hpp"

namespace shoal::node {
namespace {

using dns::Section;
using Wire = std::vector<std::uint8_t>;

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

// One answer or additional record: an address (A or AAAA) or an SRV.
struct Record {
  const Wire* owner = nullptr;
  bool srv = false;
  DnsAddress address;
  std::uint16_t port = 0;
  const Wire* target = nullptr;
};

struct Reply {
  dns::Rcode rcode = dns::noerror;
  std::vector<Record> answer;
  std::vector<Record> additional;
  bool negative = false;  // NXDOMAIN or no data: the zone's SOA goes into authority
};

bool wants(std::uint16_t q, const DnsAddress& a) {
  return q == dns::kTypeAny || q == (a.v6 ? dns::kTypeAaaa : dns::kTypeA);
}

// A/AAAA for each distinct address, shuffled.
void addresses(Reply& r, const Wire& owner, std::uint16_t q, std::vector<DnsAddress> addrs,
               gossip::Rng& rng) {
  std::vector<DnsAddress> seen;
  for (const auto& a : addrs) {
    if (!wants(q, a) || std::find(seen.begin(), seen.end(), a) != seen.end()) continue;
    seen.push_back(a);
    r.answer.push_back(Record{&owner, false, a, 0, nullptr});
  }
  rng.shuffle(r.answer);
  r.negative = r.answer.empty();
}

// SRV per serving instance that has `port`, target PEER.peer.DOMAIN, A/AAAA as additional data.
void srv(Reply& r, const Wire& owner, std::uint16_t q, const DnsService& s,
         const std::string& port, gossip::Rng& rng) {
  if (q != dns::kTypeSrv && q != dns::kTypeAny) {
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
    if (std::find(targets.begin(), targets.end(), i->peer) == targets.end()) {
      targets.push_back(i->peer);
      r.additional.push_back(Record{&i->target, false, i->address, 0, nullptr});
    }
    r.answer.push_back(Record{&owner, true, {}, i->ports.at(port), &i->target});
  }
  r.negative = r.answer.empty();
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 9 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// rel: the labels left of the domain, "service" last.
void service_name(Reply& r, const std::vector<std::string>& rel, const Wire& owner,
                  std::uint16_t q, const DnsView& v, gossip::Rng& rng) {
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
    addresses(r, owner, q, std::move(a), rng);
  } else if (rel.size() == 3 && rel[1] == "_tcp" && rel[0].size() > 1 && rel[0][0] == '_' &&
             (s = known(rel[0].substr(1)))) {  // _SERVICE._tcp.service: its first port
    if (s->ports.empty()) {
      r.negative = true;
    } else {
      srv(r, owner, q, *s, s->ports.front(), rng);
    }
  } else if (rel.size() == 3 && all_digits(rel[0]) && (s = known(rel[1]))) {  // INDEX.SERVICE
    const auto index = std::stoul(rel[0]);
    std::vector<DnsAddress> a;
    for (const auto& i : s->serving)
      if (i.index == index) a.push_back(i.address);
    addresses(r, owner, q, std::move(a), rng);
  } else if (rel.size() == 4 && rel[1] == "_tcp" && rel[0].size() > 1 && rel[0][0] == '_' &&
             (s = known(rel[2])) &&
             std::count(s->ports.begin(), s->ports.end(), rel[0].substr(1))) {  // _PORT._tcp
    srv(r, owner, q, *s, rel[0].substr(1), rng);
  } else {
    r.rcode = dns::nxdomain;
    r.negative = true;
  }
}

void peer_name(Reply& r, const std::vector<std::string>& rel, const Wire& owner,
               std::uint16_t q, const DnsView& v, gossip::Rng& rng) {
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
    r.rcode = dns::nxdomain;
    r.negative = true;
    return;
  }
  addresses(r, owner, q, {it->second}, rng);
}

// `soa` is set when the apex's SOA is asked for.
Reply resolve(const dns::Query& question, const DnsView& v, gossip::Rng& rng, bool& soa) {
  Reply r;
  const std::vector<std::string> labels = dns::lowercase_labels(question.name);
  const std::vector<std::string>& domain = v.domain_labels;
  if ((question.qclass != dns::kClassIn && question.qclass != dns::kClassAny) ||
      labels.size() < domain.size() ||
      !std::equal(domain.begin(), domain.end(), labels.end() - domain.size())) {
    r.rcode = dns::refused;  // not ours: no recursion
    return r;
  }
  const std::vector<std::string> rel(labels.begin(), labels.end() - domain.size());
  const std::uint16_t q = question.type;
  if (rel.empty()) {  // the apex
    soa = q == dns::kTypeSoa;
    r.negative = !soa;
  } else if (rel.back() == "service") {
    service_name(r, rel, question.name, q, v, rng);
  } else if (rel.back() == "peer") {
    peer_name(r, rel, question.name, q, v, rng);
  } else {
    r.rcode = dns::nxdomain;
    r.negative = true;
  }
  return r;
}

void write_soa(dns::Writer& w, Section s, const DnsView& v) {
  if (v.apex.empty() || v.ns.empty() || v.mbox.empty()) return;
  w.record(s, v.apex, dns::kTypeSoa, v.ttl, [&](dns::Writer& d) {
    d.name(v.ns);
    d.name(v.mbox);
    for (std::uint32_t n : {1u, 3600u, 600u, 86400u, v.ttl}) d.u32(n);  // serial .. minimum
  });
}

void write_record(dns::Writer& w, Section s, const Record& r, std::uint32_t ttl) {
  if (r.srv) {
    w.record(s, *r.owner, dns::kTypeSrv, ttl, [&](dns::Writer& d) {
      d.u16(1);  // priority
      d.u16(1);  // weight
      d.u16(r.port);
      d.name(*r.target, false);
    });
    return;
  }
  const std::uint16_t type = r.address.v6 ? dns::kTypeAaaa : dns::kTypeA;
  w.record(s, *r.owner, type, ttl, [&](dns::Writer& d) {
    d.bytes(std::span(r.address.bytes.data(), r.address.v6 ? 16 : 4));
  });
}

dns::Writer header(const dns::Query& q, dns::Rcode rcode) {
  return dns::Writer(q, rcode, rcode == dns::noerror || rcode == dns::nxdomain);
}

std::vector<std::byte> finish(dns::Writer w, const dns::Query& q, std::uint8_t extended = 0) {
  if (q.edns) w.opt(static_cast<std::uint16_t>(kDnsUdpMax), extended);
  return w.take();
}

// FORMERR for what cannot be read: the header's id, opcode and RD back, nothing else.
std::vector<std::byte> format_error(std::span<const std::byte> q) {
  std::vector<std::byte> out(12, std::byte{0});
  out[0] = q[0];
  out[1] = q[1];
  out[2] = std::byte{0x80} | (q[2] & std::byte{0x79});  // QR, the opcode, RD
  out[3] = std::byte{dns::formerr};
  return out;
}

// Over UDP without EDNS0 an answer is at most a few times the question (a spoofed source gains
// little by reflecting off us); with EDNS0 the client's size, within 512..1232.
std::size_t limit_of(const dns::Query& q, std::size_t query_size, DnsTransport t) {
  if (t == DnsTransport::tcp) return kDnsTcpMax;
  if (!q.edns) return std::min(kDnsUdpPlain, kDnsUdpFactor * query_size);
  return std::clamp<std::size_t>(q.udp_size, kDnsUdpPlain, kDnsUdpMax);
}

std::vector<std::byte> answer(const dns::Query& q, std::size_t query_size, const DnsView& view,
                              DnsTransport transport, std::uint64_t seed) {
  gossip::Rng rng(seed);
  bool soa = false;
  const Reply r = resolve(q, view, rng, soa);
  dns::Writer w = header(q, r.rcode);
  for (const Record& rec : r.answer) write_record(w, Section::answer, rec, view.ttl);
  if (soa) write_soa(w, Section::answer, view);
  if (r.negative) write_soa(w, Section::authority, view);
  for (const Record& rec : r.additional) write_record(w, Section::additional, rec, view.ttl);
  std::vector<std::byte> out = finish(std::move(w), q);
  if (out.size() <= limit_of(q, query_size, transport)) return out;
  // Too large for this transport: the question alone with TC (the client retries over TCP).
  dns::Writer t = header(q, r.rcode);
  t.set_truncated();
  return finish(std::move(t), q);
}

}  // namespace

std::vector<std::byte> dns_answer(std::span<const std::byte> query, const DnsView& view,
                                  DnsTransport transport, std::uint64_t seed) {
  if (query.size() < dns::kHeaderSize || (query[2] & std::byte{0x80}) != std::byte{0}) return {};
  const auto q = dns::read_query(
      std::span(reinterpret_cast<const std::uint8_t*>(query.data()), query.size()));
  if (!q) return format_error(query);
  if (q->opcode != dns::kOpcodeQuery) return finish(header(*q, dns::notimpl), *q);
  if (q->edns && q->edns_version > 0) {  // BADVERS (16): extended rcode 1, rcode 0, not AA
    return finish(dns::Writer(*q, dns::noerror, false), *q, 1);
  }
  return answer(*q, query.size(), view, transport, seed);
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
  v.domain = dns::ascii_lower(cfg.domain);
  while (!v.domain.empty() && v.domain.back() == '.') v.domain.pop_back();
  v.ttl = static_cast<std::uint32_t>(
      std::clamp<config::Millis>(cfg.ttl / 1000, 0, std::numeric_limits<std::int32_t>::max()));
  v.domain_labels = split_domain(v.domain);
  v.apex = dns_wire_name(v.domain);
  v.ns = dns_wire_name("ns." + v.domain);
  v.mbox = dns_wire_name("hostmaster." + v.domain);
  for (const auto& [name, m] : members) {
    if (!gossip::is_live(m.state)) continue;
    std::string host = m.addr.host;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    if (host.size() > 45) continue;  // longer than any IP literal
    char text[46] = {};
    std::memcpy(text, host.data(), host.size());
    DnsAddress a;
    if (inet_pton(AF_INET, text, a.bytes.data()) != 1) {
      if (inet_pton(AF_INET6, text, a.bytes.data()) != 1) continue;  // no address to give
      a.v6 = true;
    }
    v.peers.emplace(dns::ascii_lower(name), a);
  }
  for (const auto& spec : specs) {
    DnsService s;
    for (const auto& p : spec.ports) s.ports.push_back(p.name);
    for (auto& e : endpoints(spec.name, members, statuses, &spec)) {
      auto peer = v.peers.find(dns::ascii_lower(e.peer));
      if (!e.serving || peer == v.peers.end()) continue;
      s.serving.push_back(DnsInstance{e.index, e.peer, peer->second, std::move(e.ports),
                                      dns_wire_name(e.peer + ".peer." + v.domain)});
    }
    v.services[dns::ascii_lower(spec.name)] = std::move(s);
  }
  return v;
}

}  // namespace shoal::node
