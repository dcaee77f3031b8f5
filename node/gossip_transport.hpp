// The gossip engine's wire: one UDP socket and the stream channel (node/stream_transport.hpp)
// on the bind address, every datagram and frame sealed with the cluster's keys
// (node/sealer.hpp). What authenticates goes to `deliver`, opened; what does not is dropped and
// counted. Sends go to IP literals or to seed names resolved in the background
// (node/seed_resolver.hpp), never blocking. Runs on one io_context thread; not thread-safe.
#pragma once

#include "node/asio.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "gossip/types.hpp"
#include "node/metrics.hpp"
#include "node/sealer.hpp"
#include "node/seed_resolver.hpp"
#include "node/stream_transport.hpp"

namespace shoal::node {

class GossipTransport {
 public:
  // An opened packet; false when the engine refused it (counted as dropped).
  using Deliver = std::function<bool(const gossip::Address& from, gossip::Channel ch,
                                     std::span<const std::byte> plain)>;

  GossipTransport(boost::asio::io_context& io, Sealer& sealer, SeedResolver& resolver,
                  Deliver deliver);

  // Binds UDP and TCP on `bind`; empty on success, else the error.
  std::string open(const gossip::Address& bind);
  void start();  // receives from now on
  void send(gossip::Datagram& d);
  void close();

  // Packets and frames dropped: not authenticated, or refused by the engine.
  std::uint64_t dropped() const { return dropped_; }
  const StreamTransport& stream() const { return stream_; }
  // The wire's share of a metrics snapshot: packets dropped, unauthenticated and replayed, and
  // the stream channel's connections.
  void take_metrics(MetricsSnapshot& m) const;

 private:
  void receive_udp();
  bool on_stream_frame(const gossip::Address& from, std::span<const std::byte> frame);

  Sealer& sealer_;
  SeedResolver& resolver_;
  Deliver deliver_;
  boost::asio::ip::udp::socket udp_;
  StreamTransport stream_;
  std::array<std::byte, 65536> rbuf_{};
  boost::asio::ip::udp::endpoint rfrom_;
  std::uint64_t dropped_ = 0;
};

}  // namespace shoal::node
