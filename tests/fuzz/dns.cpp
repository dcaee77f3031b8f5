// Any bytes as a DNS query to the pure answerer (node/peer/dns_answer.hpp), over UDP or TCP
// (the first byte's low bit), against a view with peers, serving instances and an empty
// service. A UDP answer larger than the EDNS0 cap (or 8x a query without EDNS0), or one ldns
// cannot read back, is a failure.
#include <cstdlib>

#include "node/peer/dns_answer.hpp"
#include "tests/ldns.hpp"
#include "tests/fuzz/fuzz.hpp"

namespace {

shoal::node::DnsView make_view() {
  using namespace shoal;
  gossip::Members ms;
  std::map<std::string, placement::PeerStatus> st;
  for (int i = 0; i < 20; ++i) {
    gossip::Member m;
    m.name = "peer-" + std::to_string(i);
    m.addr = {i % 2 ? "10.0.0." + std::to_string(i) : "fd00::" + std::to_string(i), 7950};
    ms[m.name] = m;
    placement::InstanceStatus in;
    in.id = {"web", static_cast<std::uint32_t>(i)};
    in.state = placement::InstanceState::running;
    in.host_ports["http"] = static_cast<std::uint16_t>(31000 + i);
    st[m.name].instances = {in};
  }
  config::ServiceSpec web, idle;
  web.name = "web";
  web.ports = {{"http", 80, {}}};
  idle.name = "idle";
  return node::make_dns_view(config::PeerConfig::Dns{}, ms, st, {web, idle});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const shoal::node::DnsView view = make_view();
  const auto split = shoal::fuzz::split(data, size);
  const auto t = split.second ? shoal::node::DnsTransport::tcp : shoal::node::DnsTransport::udp;
  const auto out = shoal::node::dns_answer(shoal::fuzz::bytes(split.data, split.size), view, t, size);
  if (out.empty()) return 0;
  if (t == shoal::node::DnsTransport::udp && out.size() > shoal::node::kDnsUdpMax) std::abort();
  ldns_pkt* q = nullptr;  // a query ldns reads without EDNS0: the answer is at most 8x its size
  if (t == shoal::node::DnsTransport::udp &&
      ldns_wire2pkt(&q, split.data, split.size) == LDNS_STATUS_OK && !ldns_pkt_edns(q) &&
      out.size() > shoal::node::kDnsUdpFactor * split.size)
    std::abort();
  if (q) ldns_pkt_free(q);
  ldns_pkt* p = nullptr;
  if (ldns_wire2pkt(&p, reinterpret_cast<const std::uint8_t*>(out.data()), out.size()) !=
      LDNS_STATUS_OK)
    std::abort();
  ldns_pkt_free(p);
  return 0;
}
