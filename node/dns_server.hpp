// The DNS interface on dns.listen, UDP and TCP, answering with node/peer/dns_answer.hpp on the
// io thread. The view is cached: rebuilt when the host's key (view hash + status versions)
// changes, the key looked at no more than every 50 ms. Bounded: UDP answers go out at once or
// are dropped (never queued); TCP takes at most 64 connections (a 65th evicts the oldest), one
// query in flight each, queries of at most 4 KiB (2-byte length framing), and closes a
// connection idle for 5 s. A failing accept (out of descriptors) pauses accepting for 200 ms.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "node/peer/dns_answer.hpp"

namespace boost::asio { class io_context; }

namespace shoal::node {

struct DnsServerStats {
  std::uint64_t udp_queries = 0;
  std::uint64_t udp_dropped = 0;  // answers the socket would not take at once
  std::uint64_t tcp_accepted = 0;
  std::uint64_t tcp_evicted = 0;    // the oldest, closed for a newer one at the cap
  std::uint64_t tcp_timed_out = 0;  // idle past the deadline
  std::uint64_t tcp_oversized = 0;  // a query longer than 4 KiB: closed
  std::uint64_t accept_errors = 0;  // each pauses accepting for 200 ms (EMFILE: no spinning)
  std::uint64_t views_built = 0;
};

class DnsServer {
 public:
  using Key = std::function<std::uint64_t()>;
  using Build = std::function<DnsView()>;
  // Throws std::runtime_error naming host:port when it cannot bind UDP or TCP there.
  DnsServer(boost::asio::io_context& io, const std::string& host, std::uint16_t port, Key key,
            Build build);
  ~DnsServer();
  void close();
  std::uint16_t port() const;  // the bound port (UDP and TCP share it)
  const DnsServerStats& stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace shoal::node
