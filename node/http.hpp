// A tiny HTTP/1.1 server and client (Boost.Beast inside http_server.cpp / http_client.cpp only),
// exposing plain types so the rest of node/ never includes Beast.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace boost::asio { class io_context; }

namespace shoal::node {

struct HttpResponse;

// A request its handler keeps open to answer later (a blocking query), on io's thread.
class HttpHeld {
 public:
  virtual ~HttpHeld() = default;
  // Sends `r`: once; later calls, and calls after the client left, do nothing.
  virtual void answer(HttpResponse r) = 0;
  // `f` runs (on io's thread) when the client closes its connection before the answer (or,
  // streaming, when the stream fails: the client left, or a write took over 10 s).
  virtual void on_gone(std::function<void()> f) = 0;
  // Answers with a stream instead (server-sent events): `head`'s status and headers now, with
  // `Connection: close` and no length, then each stream_send() chunk as written; the
  // connection carries nothing else and stays counted among its listener's connections.
  virtual void stream_begin(HttpResponse head) = 0;
  // Queues `chunk`; false when the stream is gone, or was dropped now because more than
  // kStreamQueueBytes would wait unsent (a reader too slow: its connection is closed, never
  // buffered without bound). on_gone's `f` does not run for a drop reported here.
  // The same for bytes several streams share (each stream counts them in its own queue).
  virtual bool stream_send_shared(std::shared_ptr<const std::string> chunk) = 0;
  bool stream_send(std::string chunk) {
    return stream_send_shared(std::make_shared<const std::string>(std::move(chunk)));
  }
  static constexpr std::size_t kStreamQueueBytes = 256u << 10;
};

struct HttpRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path and query, e.g. "/v1/members"
  std::string body;
  std::string authorization;  // the Authorization header, if any
  std::string host;           // the Host header (has_host: it was sent)
  bool has_host = false;
  std::string origin;         // the Origin header (has_origin: it was sent, by a web page)
  bool has_origin = false;
  std::string content_type;   // the Content-Type header, if any
  std::string accept;         // the Accept header, if any (text/event-stream: a stream)
  std::string last_event_id;  // the Last-Event-ID header (an EventSource resuming), if any
  bool via_unix = false;      // arrived on the unix socket: its file mode admitted the caller
  bool from_loopback = false; // a TCP client connected from a loopback address (no authority)
  // Holds the request: the handler's return value is then ignored, and the session waits
  // (counted among the listener's open connections, no read timeout) for answer() on the
  // handle. Call it only while the handler runs. Empty outside a server session.
  std::function<std::shared_ptr<HttpHeld>()> hold;
};

struct HttpResponse {
  int status = 200;
  std::string body;           // JSON
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers = {};  // extra ones: X-Shoal-Index
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// A unix-socket endpoint: the socket file at `path`, mode 0660, owned by `group` when set.
struct UnixListen {
  std::string path;
  std::string group;
};

// Serves HTTP on host:port, or on a unix socket, with `handler`, on `io` (the handler runs on
// io's thread). One request per connection at a time, keep-alive honoured, bodies up to 256 KiB,
// at most 64 open connections per listener (more are closed at once), accept errors retried
// after 200 ms.
class HttpServer {
 public:
  // Throws std::runtime_error when it cannot listen.
  HttpServer(boost::asio::io_context& io, const std::string& host, std::uint16_t port,
             HttpHandler handler);
  // A stale socket file (nobody listening) is replaced; a live one or a non-socket is an error.
  // Must be constructed before other threads run (it narrows the umask around bind()).
  HttpServer(boost::asio::io_context& io, const UnixListen& where, HttpHandler handler);
  ~HttpServer();
  void close();  // stops accepting; removes the socket file it created
  std::uint16_t port() const;  // TCP: the bound port; unix: 0

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

struct HttpResult {
  bool ok = false;      // a response was received
  std::string error;    // when !ok: why (connection refused, timeout, ...)
  int status = 0;
  std::string body;
  std::string shoal_index;  // the X-Shoal-Index header, if any
};

// One blocking request (for the CLI). `timeout_ms` bounds connect + exchange. Every request
// but GET and HEAD is sent with `Content-Type: application/json`.
HttpResult http_call(const std::string& host, std::uint16_t port, const std::string& method,
                     const std::string& target, const std::string& body,
                     const std::string& bearer_token, int timeout_ms);
// The same over the unix socket at `socket_path` (Host: localhost).
HttpResult http_call_unix(const std::string& socket_path, const std::string& method,
                          const std::string& target, const std::string& body,
                          const std::string& bearer_token, int timeout_ms);

}  // namespace shoal::node
