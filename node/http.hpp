// A tiny HTTP/1.1 server and client (Boost.Beast inside http_server.cpp / http_client.cpp only),
// exposing plain types so the rest of node/ never includes Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio { class io_context; }

namespace shoal::node {

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path and query, e.g. "/v1/members"
  std::string body;
  std::string authorization;  // the Authorization header, if any
  bool from_loopback = false; // the client connected from a loopback address
};

struct HttpResponse {
  int status = 200;
  std::string body;           // JSON
  std::string content_type = "application/json";
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Serves HTTP on host:port with `handler`, on `io` (the handler runs on io's thread). One
// request per connection at a time, keep-alive honoured, bodies up to 1 MiB.
class HttpServer {
 public:
  // Throws std::runtime_error when it cannot listen.
  HttpServer(boost::asio::io_context& io, const std::string& host, std::uint16_t port,
             HttpHandler handler);
  ~HttpServer();
  void close();
  std::uint16_t port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

struct HttpResult {
  bool ok = false;      // a response was received
  std::string error;    // when !ok: why (connection refused, timeout, ...)
  int status = 0;
  std::string body;
};

// One blocking request (for the CLI). `timeout_ms` bounds connect + exchange.
HttpResult http_call(const std::string& host, std::uint16_t port, const std::string& method,
                     const std::string& target, const std::string& body,
                     const std::string& bearer_token, int timeout_ms);

}  // namespace shoal::node
