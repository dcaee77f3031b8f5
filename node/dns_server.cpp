#include "node/dns_server.hpp"

#include <array>
#include <cstring>
#include <chrono>
#include <map>
#include <random>
#include <stdexcept>
#include <vector>

#include "gossip/rng.hpp"
#include "node/asio.hpp"

namespace shoal::node {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {
constexpr std::size_t kMaxConnections = 64;
constexpr std::size_t kMaxTcpQuery = 4096;
constexpr auto kIdle = std::chrono::seconds(5);
constexpr auto kKeyEvery = std::chrono::milliseconds(50);
constexpr auto kAcceptPause = std::chrono::milliseconds(200);
}  // namespace

struct DnsServer::Impl : std::enable_shared_from_this<DnsServer::Impl> {
  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(tcp::socket s, std::weak_ptr<Impl> o, std::uint64_t i)
        : sock(std::move(s)), timer(sock.get_executor()), owner(std::move(o)), id(i) {}
    tcp::socket sock;
    asio::steady_timer timer;
    std::weak_ptr<Impl> owner;
    std::uint64_t id;
    std::vector<std::uint8_t> in;   // grows by what arrives, at most 2 + kMaxTcpQuery + chunk
    std::array<std::uint8_t, 2048> chunk{};
    std::vector<std::uint8_t> out;  // the answer being written (one in flight)
    bool closed = false;
  };

  Impl(asio::io_context& io, Key k, Build b)
      : udp_sock(io), acceptor(io), accept_pause(io), key(std::move(k)), build(std::move(b)),
        rng(std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32)) {}

  udp::socket udp_sock;
  tcp::acceptor acceptor;
  asio::steady_timer accept_pause;
  Key key;
  Build build;
  gossip::Rng rng;
  DnsServerStats stats;
  std::array<std::byte, 65536> rbuf{};
  udp::endpoint from;
  std::map<std::uint64_t, std::weak_ptr<Conn>> conns;  // by accept order: begin() is the oldest
  std::uint64_t next_id = 0;
  bool open = true;
  DnsView view_cache;
  std::uint64_t view_key = 0;
  bool have_view = false;
  std::chrono::steady_clock::time_point key_checked{};

  const DnsView& view() {
    const auto now = std::chrono::steady_clock::now();
    if (have_view && now - key_checked < kKeyEvery) return view_cache;
    key_checked = now;
    const std::uint64_t k = key();
    if (!have_view || k != view_key) {
      view_cache = build();
      view_key = k;
      have_view = true;
      ++stats.views_built;
    }
    return view_cache;
  }

  std::vector<std::byte> answer(std::span<const std::byte> q, DnsTransport t) {
    return dns_answer(q, view(), t, rng.next());
  }

  void receive() {
    udp_sock.async_receive_from(
        asio::buffer(rbuf), from,
        [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
          if (!self->open || ec == asio::error::operation_aborted) return;
          if (!ec) self->on_datagram(n);
          self->receive();
        });
  }

  void on_datagram(std::size_t n) {
    ++stats.udp_queries;
    const auto out = answer(std::span<const std::byte>(rbuf.data(), n), DnsTransport::udp);
    if (out.empty()) return;
    boost::system::error_code ec;
    udp_sock.send_to(asio::buffer(out.data(), out.size()), from, 0, ec);  // non-blocking
    if (ec) ++stats.udp_dropped;
  }

  void accept() {
    acceptor.async_accept([self = shared_from_this()](boost::system::error_code ec,
                                                      tcp::socket s) {
      if (!self->open || ec == asio::error::operation_aborted) return;
      if (!ec) {
        self->on_accept(std::move(s));
        return self->accept();
      }
      ++self->stats.accept_errors;  // out of descriptors, most likely: pause, do not spin
      self->accept_pause.expires_after(kAcceptPause);
      self->accept_pause.async_wait([self](boost::system::error_code e) {
        if (!e && self->open) self->accept();
      });
    });
  }

  void on_accept(tcp::socket s) {
    ++stats.tcp_accepted;
    while (conns.size() >= kMaxConnections) {  // evict the oldest: a flood cannot lock out
      auto oldest = conns.begin();
      if (auto c = oldest->second.lock()) finish(*c);
      conns.erase(oldest);
      ++stats.tcp_evicted;
    }
    auto c = std::make_shared<Conn>(std::move(s), weak_from_this(), next_id++);
    conns[c->id] = c;
    arm(c);
    read(c);
  }

  static void finish(Conn& c) {
    if (c.closed) return;
    c.closed = true;
    boost::system::error_code ignore;
    c.timer.cancel();
    c.sock.shutdown(tcp::socket::shutdown_both, ignore);
    c.sock.close(ignore);
  }

  void drop(const std::shared_ptr<Conn>& c) {
    finish(*c);
    conns.erase(c->id);
  }

  void arm(const std::shared_ptr<Conn>& c) {
    c->timer.expires_after(kIdle);
    c->timer.async_wait([c](boost::system::error_code ec) {
      if (ec || c->closed) return;
      if (auto self = c->owner.lock()) {
        ++self->stats.tcp_timed_out;
        self->drop(c);
      }
    });
  }

  void read(const std::shared_ptr<Conn>& c) {
    c->sock.async_read_some(asio::buffer(c->chunk), [c](boost::system::error_code ec,
                                                        std::size_t n) {
      auto self = c->owner.lock();
      if (!self || c->closed) return;
      if (ec) return self->drop(c);
      c->in.insert(c->in.end(), c->chunk.begin(), c->chunk.begin() + n);
      self->next_query(c);
    });
  }

  // One framed query at a time: answer it, write, and only then look at the next.
  void next_query(const std::shared_ptr<Conn>& c) {
    if (c->in.size() < 2) return read(c);
    const std::size_t len = (std::size_t{c->in[0]} << 8) | c->in[1];
    if (len > kMaxTcpQuery) {
      ++stats.tcp_oversized;
      return drop(c);
    }
    if (c->in.size() < 2 + len) return read(c);
    auto out = answer(std::span<const std::byte>(
                          reinterpret_cast<const std::byte*>(c->in.data()) + 2, len),
                      DnsTransport::tcp);
    c->in.erase(c->in.begin(), c->in.begin() + static_cast<std::ptrdiff_t>(2 + len));
    if (out.empty()) return next_query(c);
    c->out.resize(2 + out.size());
    c->out[0] = static_cast<std::uint8_t>(out.size() >> 8);
    c->out[1] = static_cast<std::uint8_t>(out.size() & 0xff);
    std::memcpy(c->out.data() + 2, out.data(), out.size());
    asio::async_write(c->sock, asio::buffer(c->out), [c](boost::system::error_code ec,
                                                         std::size_t) {
      auto self = c->owner.lock();
      if (!self || c->closed) return;
      if (ec) return self->drop(c);
      self->arm(c);  // the idle deadline restarts with each answer
      self->next_query(c);
    });
  }
};

DnsServer::DnsServer(asio::io_context& io, const std::string& host, std::uint16_t port, Key key,
                     Build build)
    : impl_(std::make_shared<Impl>(io, std::move(key), std::move(build))) {
  const std::string where = host + ":" + std::to_string(port);
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("dns.listen: bad address " + host);
  udp::endpoint uep(addr, port);
  impl_->udp_sock.open(uep.protocol(), ec);
  if (!ec) impl_->udp_sock.bind(uep, ec);
  if (ec) throw std::runtime_error("cannot bind UDP " + where + ": " + ec.message());
  impl_->udp_sock.non_blocking(true, ec);
  const std::uint16_t bound = impl_->udp_sock.local_endpoint().port();
  tcp::endpoint tep(addr, bound);
  impl_->acceptor.open(tep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(tep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot bind TCP " + where + ": " + ec.message());
  impl_->receive();
  impl_->accept();
}

DnsServer::~DnsServer() { close(); }

void DnsServer::close() {
  if (!impl_->open) return;
  impl_->open = false;
  boost::system::error_code ignore;
  impl_->udp_sock.close(ignore);
  impl_->acceptor.close(ignore);
  impl_->accept_pause.cancel();
  for (auto& [id, w] : impl_->conns)
    if (auto c = w.lock()) Impl::finish(*c);
  impl_->conns.clear();
}

std::uint16_t DnsServer::port() const {
  boost::system::error_code ec;
  return impl_->udp_sock.local_endpoint(ec).port();
}

const DnsServerStats& DnsServer::stats() const { return impl_->stats; }

}  // namespace shoal::node
