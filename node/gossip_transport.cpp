#include "node/gossip_transport.hpp"

#include <spdlog/spdlog.h>

namespace shoal::node {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

// The stream hello: a sealed empty frame (none in plaintext: nothing to authenticate).
StreamTransport::HelloFn hello_of(Sealer& sealer) {
  if (!sealer.enabled()) return nullptr;
  return [&sealer] { return sealer.seal({}, gossip::Channel::stream); };
}

}  // namespace

GossipTransport::GossipTransport(asio::io_context& io, Sealer& sealer, SeedResolver& resolver,
                                 Deliver deliver)
    : sealer_(sealer),
      resolver_(resolver),
      deliver_(std::move(deliver)),
      udp_(io),
      stream_(io, StreamLimits{},
              [this](const gossip::Address& from, std::span<const std::byte> f) {
                return on_stream_frame(from, f);
              },
              hello_of(sealer)) {}

std::string GossipTransport::open(const gossip::Address& bind) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(bind.host, ec);
  if (ec) return "bind: bad address " + bind.host;
  udp::endpoint uep(addr, bind.port);
  udp_.open(uep.protocol(), ec);
  if (!ec) udp_.bind(uep, ec);
  if (ec) return "cannot bind UDP " + bind.to_string() + ": " + ec.message();
  if (std::string e = stream_.listen(tcp::endpoint(addr, bind.port)); !e.empty())
    return "cannot bind TCP " + bind.to_string() + ": " + e;
  return "";
}

void GossipTransport::start() {
  receive_udp();
  stream_.start();
}

void GossipTransport::close() {
  boost::system::error_code ignore;
  udp_.close(ignore);
  stream_.stop();
}

void GossipTransport::receive_udp() {
  udp_.async_receive_from(asio::buffer(rbuf_), rfrom_,
                          [this](boost::system::error_code ec, std::size_t n) {
                            if (ec == asio::error::operation_aborted) return;
                            if (!ec) {
                              auto plain = sealer_.open(std::span(rbuf_.data(), n),
                                                        gossip::Channel::udp);
                              const gossip::Address from{rfrom_.address().to_string(),
                                                         rfrom_.port()};
                              if (!plain || !deliver_(from, gossip::Channel::udp, *plain))
                                ++dropped_;
                            }
                            receive_udp();
                          });
}

// A frame of the stream channel; whether it authenticated (one that does not closes its
// connection). An empty plaintext is a connection's hello (stream_transport.hpp).
bool GossipTransport::on_stream_frame(const gossip::Address& from,
                                      std::span<const std::byte> frame) {
  auto plain = sealer_.open(frame, gossip::Channel::stream);
  if (!plain) {
    ++dropped_;
    spdlog::debug("dropped a stream frame from {} (does not authenticate)", from.to_string());
    return false;
  }
  if (!plain->empty() && !deliver_(from, gossip::Channel::stream, *plain)) ++dropped_;
  return true;
}

void GossipTransport::send(gossip::Datagram& d) {
  gossip::Bytes bytes = sealer_.seal(d.bytes, d.channel);
  if (d.channel == gossip::Channel::udp) {
    auto a = resolver_.lookup(d.to.host);
    if (!a) return;
    boost::system::error_code ec;
    udp_.send_to(asio::buffer(bytes), udp::endpoint(*a, d.to.port), 0, ec);
    if (ec) spdlog::debug("udp send to {}: {}", d.to.to_string(), ec.message());
    return;
  }
  if (d.reply) {  // back on the connection the request came in on, or nowhere
    stream_.reply(d.to, std::move(bytes));
    return;
  }
  if (stream_.has(d.to)) return stream_.send(d.to, {}, std::move(bytes));
  auto a = resolver_.lookup(d.to.host);
  if (a) stream_.send(d.to, tcp::endpoint(*a, d.to.port), std::move(bytes));
}

void GossipTransport::take_metrics(MetricsSnapshot& m) const {
  m.packets_dropped = dropped_;
  m.packets_unauthenticated = sealer_.rejected();
  m.packets_replayed = sealer_.replayed();
  const auto& ss = stream_.stats();
  m.stream_accepted = ss.accepted;
  m.stream_refused = ss.refused_total + ss.refused_per_source;
  m.stream_unauthenticated = ss.unauthenticated;
  m.stream_timed_out = ss.timed_out;
}

}  // namespace shoal::node
