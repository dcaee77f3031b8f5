// Boost.Beast lives here (client side) and in http_server.cpp only.
#include "node/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "node/http.hpp"

namespace shoal::node {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using local = asio::local::stream_protocol;

namespace {

bhttp::request<bhttp::string_body> make_request(const std::string& host_header,
                                                const std::string& method,
                                                const std::string& target,
                                                const std::string& body,
                                                const std::string& bearer_token) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, host_header);
  req.set(bhttp::field::user_agent, "shoal-cli");
  if (!bearer_token.empty()) req.set(bhttp::field::authorization, "Bearer " + bearer_token);
  if (!body.empty() || (method != "GET" && method != "HEAD")) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();
  return req;
}

// Connects with `connect(stream, done)`, writes `req`, reads the response; bounded by timeout.
template <class Protocol, class Connect>
HttpResult exchange(asio::io_context& io, beast::basic_stream<Protocol>& stream,
                    bhttp::request<bhttp::string_body>& req, int timeout_ms, Connect connect) {
  HttpResult result;
  beast::flat_buffer buf;
  bhttp::response<bhttp::string_body> res;
  beast::error_code failure;
  stream.expires_after(std::chrono::milliseconds(timeout_ms));
  connect([&](beast::error_code cec) {
    if (cec) {
      failure = cec;
      return;
    }
    bhttp::async_write(stream, req, [&](beast::error_code wec, std::size_t) {
      if (wec) {
        failure = wec;
        return;
      }
      bhttp::async_read(stream, buf, res, [&](beast::error_code rec, std::size_t) {
        failure = rec;
      });
    });
  });
  io.run();
  if (failure) {
    result.error = failure == beast::error::timeout ? std::string("timed out")
                                                    : failure.message();
    return result;
  }
  result.ok = true;
  result.status = static_cast<int>(res.result_int());
  result.body = std::move(res.body());
  if (auto it = res.find("X-Shoal-Index"); it != res.end()) result.shoal_index = std::string(it->value());
  beast::error_code ignore;
  stream.socket().shutdown(Protocol::socket::shutdown_both, ignore);
  return result;
}

}  // namespace

HttpResult http_call(const std::string& host, std::uint16_t port, const std::string& method,
                     const std::string& target, const std::string& body,
                     const std::string& bearer_token, int timeout_ms) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    HttpResult r;
    r.error = "cannot resolve " + host + ": " + ec.message();
    return r;
  }
  const bool v6 = host.find(':') != std::string::npos;
  auto req = make_request((v6 ? "[" + host + "]" : host) + ":" + std::to_string(port), method,
                          target, body, bearer_token);
  beast::tcp_stream stream(io);
  return exchange<tcp>(io, stream, req, timeout_ms, [&](auto done) {
    stream.async_connect(results, [done](beast::error_code cec, const tcp::endpoint&) {
      done(cec);
    });
  });
}

HttpResult http_call_unix(const std::string& socket_path, const std::string& method,
                          const std::string& target, const std::string& body,
                          const std::string& bearer_token, int timeout_ms) {
  asio::io_context io;
  auto req = make_request("localhost", method, target, body, bearer_token);
  beast::basic_stream<local> stream(io);
  return exchange<local>(io, stream, req, timeout_ms, [&](auto done) {
    stream.async_connect(local::endpoint(socket_path),
                         [done](beast::error_code cec) { done(cec); });
  });
}

}  // namespace shoal::node
