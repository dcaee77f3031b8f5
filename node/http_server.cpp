// Boost.Beast lives here (server side) and in http_client.cpp only.
#include "node/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>
#include <stdexcept>

#include "node/http.hpp"

namespace shoal::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket s, const HttpHandler* handler) : stream_(std::move(s)), handler_(handler) {}
  void start() { read(); }

 private:
  void read() {
    req_ = {};
    parser_.emplace();
    parser_->body_limit(1 << 20);
    stream_.expires_after(std::chrono::seconds(30));
    bhttp::async_read(stream_, buf_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_read(ec);
                      });
  }
  void on_read(beast::error_code ec) {
    if (ec) {
      beast::error_code ignore;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignore);
      return;
    }
    req_ = parser_->release();
    HttpRequest r;
    r.method = std::string(req_.method_string());
    r.target = std::string(req_.target());
    r.body = req_.body();
    if (auto it = req_.find(bhttp::field::authorization); it != req_.end()) {
      r.authorization = std::string(it->value());
    }
    beast::error_code ep_ec;
    auto ep = stream_.socket().remote_endpoint(ep_ec);
    r.from_loopback = !ep_ec && ep.address().is_loopback();
    if (!ep_ec && ep.address().is_v6() && ep.address().to_v6().is_v4_mapped()) {
      r.from_loopback =
          asio::ip::make_address_v4(asio::ip::v4_mapped, ep.address().to_v6()).is_loopback();
    }
    HttpResponse out;
    try {
      out = (*handler_)(r);
    } catch (const std::exception& e) {
      out.status = 500;
      out.body = std::string("{\"error\":\"internal error\"}");
    }
    res_ = {};
    res_.result(static_cast<bhttp::status>(out.status));
    res_.version(req_.version());
    res_.set(bhttp::field::server, "shoal");
    res_.set(bhttp::field::content_type, out.content_type);
    res_.keep_alive(req_.keep_alive());
    res_.body() = std::move(out.body);
    res_.prepare_payload();
    bhttp::async_write(stream_, res_,
                       [self = shared_from_this()](beast::error_code wec, std::size_t) {
                         if (wec) return;
                         if (!self->res_.keep_alive()) {
                           beast::error_code ignore;
                           self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignore);
                           return;
                         }
                         self->read();
                       });
  }

  beast::tcp_stream stream_;
  const HttpHandler* handler_;
  beast::flat_buffer buf_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::request<bhttp::string_body> req_;
  bhttp::response<bhttp::string_body> res_;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& io, HttpHandler h) : acceptor(io), handler(std::move(h)) {}
  void accept() {
    acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(s), &self->handler)->start();
      self->accept();
    });
  }
  tcp::acceptor acceptor;
  HttpHandler handler;
};

HttpServer::HttpServer(asio::io_context& io, const std::string& host, std::uint16_t port,
                       HttpHandler handler)
    : impl_(std::make_shared<Impl>(io, std::move(handler))) {
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) throw std::runtime_error("api.listen: bad address " + host);
  tcp::endpoint ep(addr, port);
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + ": " +
                             ec.message());
  }
  impl_->accept();
}

HttpServer::~HttpServer() { close(); }

void HttpServer::close() {
  beast::error_code ignore;
  if (impl_) impl_->acceptor.close(ignore);
}

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace shoal::node
