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

HttpResult http_call(const std::string& host, std::uint16_t port, const std::string& method,
                     const std::string& target, const std::string& body,
                     const std::string& bearer_token, int timeout_ms) {
  HttpResult result;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buf;
  bhttp::request<bhttp::string_body> req;
  bhttp::response<bhttp::string_body> res;
  beast::error_code failure;
  const auto timeout = std::chrono::milliseconds(timeout_ms);

  tcp::resolver resolver(io);
  beast::error_code ec;
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec) {
    result.error = "cannot resolve " + host + ": " + ec.message();
    return result;
  }
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, host);
  req.set(bhttp::field::user_agent, "shoal-cli");
  if (!bearer_token.empty()) req.set(bhttp::field::authorization, "Bearer " + bearer_token);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();

  stream.expires_after(timeout);
  stream.async_connect(results, [&](beast::error_code cec, const tcp::endpoint&) {
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
  beast::error_code ignore;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignore);
  return result;
}

}  // namespace shoal::node
