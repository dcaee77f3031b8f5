// The DNS interface's answers: one query's bytes and this peer's view -> the response's bytes
// (DESIGN.md "DNS"; the names, codes and limits are in docs/design.md). Pure: the host
// (node/dns_server.hpp) brings the bytes, the transport and a seed for the per-query shuffle.
// The wire format is node/peer/dns_message.hpp (read the query, write the response).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/spec.hpp"
#include "gossip/store.hpp"
#include "gossip/types.hpp"
#include "placement/status.hpp"

namespace shoal::node {

struct DnsAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};  // 4 used for IPv4
  friend bool operator==(const DnsAddress&, const DnsAddress&) = default;
};

// One serving instance.
struct DnsInstance {
  std::uint32_t index = 0;
  std::string peer;                             // the member's name, as it spells it
  DnsAddress address;                           // its advertise address
  std::map<std::string, std::uint16_t> ports;  // port name -> host port
  std::vector<std::uint8_t> target;             // PEER.peer.DOMAIN. in wire format (SRV)
};

struct DnsService {
  std::vector<std::string> ports;      // the spec's port names, in name order
  std::vector<DnsInstance> serving;    // instances that take traffic (catalog.hpp `serving`)
};

// What the answers come from; build it with make_dns_view (names lowercased).
struct DnsView {
  std::string domain = "shoal";  // lowercase, no trailing dot
  std::vector<std::string> domain_labels{"shoal"};  // `domain` split at its dots
  std::uint32_t ttl = 5;         // seconds
  std::map<std::string, DnsAddress> peers;      // live members whose advertise host is an IP
  std::map<std::string, DnsService> services;  // every known service (a spec exists)
  // The SOA's names in wire format (made once here, not per answer): DOMAIN., ns.DOMAIN.,
  // hostmaster.DOMAIN.; empty = no SOA.
  std::vector<std::uint8_t> apex, ns, mbox;
};

// `text` (dot-separated, no trailing dot) as an absolute name in wire format; empty when a label
// is empty or longer than 63 bytes or the name longer than 255.
std::vector<std::uint8_t> dns_wire_name(std::string_view text);

// Live members at their advertise addresses (a host that is not an IP literal is left out),
// every spec's serving instances (node/peer/catalog.hpp endpoints()).
DnsView make_dns_view(const config::PeerConfig::Dns& cfg, const gossip::Members& members,
                      const std::map<std::string, placement::PeerStatus>& statuses,
                      const std::vector<config::ServiceSpec>& specs);

// Changes whenever make_dns_view's inputs may have: the engine's view hash (members, specs)
// and the versions of the status/ entries.
std::uint64_t dns_view_key(std::uint64_t view_hash, const gossip::Store& store);

enum class DnsTransport { udp, tcp };

inline constexpr std::size_t kDnsUdpPlain = 512;   // UDP without EDNS0 (RFC 1035)
inline constexpr std::size_t kDnsUdpFactor = 8;    // ... and at most 8x the query's size
inline constexpr std::size_t kDnsUdpMax = 1232;    // the most we send over UDP with EDNS0
inline constexpr std::size_t kDnsTcpMax = 65535;   // a TCP message's length prefix

// The response to `query`, or nothing when none should be sent (shorter than a header, or
// itself a response). `seed` orders the records of this answer.
std::vector<std::byte> dns_answer(std::span<const std::byte> query, const DnsView& view,
                                  DnsTransport transport, std::uint64_t seed);

}  // namespace shoal::node
