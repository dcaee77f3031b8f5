// A streamed answer (HttpHeld::stream_begin / stream_send, what server-sent events use) on a
// real HttpServer and a real socket: the reader gets the head and every chunk in order; a reader
// that does not read is dropped once 256 KiB wait unsent, never buffered without bound; a
// reader that leaves is reported through on_gone.
#define BOOST_ASIO_NO_DEPRECATED  // as shoal_node is built (one Asio configuration a program)
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>

#include "node/asio.hpp"
#include "node/http.hpp"

using namespace shoal::node;

namespace {

struct StreamFixture {
  boost::asio::io_context io;
  std::shared_ptr<HttpHeld> held;
  bool gone = false;
  HttpServer server{io, "127.0.0.1", 0, [this](const HttpRequest& r) {
                      held = r.hold();
                      held->on_gone([this] { gone = true; });
                      held->stream_begin(
                          {200, "", "text/event-stream", {{"Cache-Control", "no-store"}}});
                      return HttpResponse{};
                    }};

  void spin(int ms = 20) {
    io.restart();
    io.run_for(std::chrono::milliseconds(ms));
  }
  // A client that asked for the stream; `rcvbuf`: its receive buffer (0: the default).
  int client(int rcvbuf = 0) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    timeval tv{0, 200'000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server.port());
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    const std::string req = "GET /s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    for (int i = 0; i < 100 && !held; ++i) spin();
    REQUIRE(held);
    return fd;
  }
  // What arrives until a quiet spell follows it (or 250 ms pass with nothing).
  std::string read_some(int fd) {
    std::string in;
    char buf[65536];
    for (int i = 0; i < 50; ++i) {
      spin(5);
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) in.append(buf, static_cast<std::size_t>(n));
      if (n == 0 || (n < 0 && !in.empty())) break;
    }
    return in;
  }
};

}  // namespace

TEST_CASE("http stream: the head, then each chunk in order, on a kept connection",
          "[node][http][sse]") {
  StreamFixture f;
  const int fd = f.client();
  CHECK(f.held->stream_send("data: one\n\n"));
  CHECK(f.held->stream_send("data: two\n\n"));
  std::string in = f.read_some(fd);
  CHECK(in.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(in.find("Content-Type: text/event-stream\r\n") != std::string::npos);
  CHECK(in.find("Cache-Control: no-store\r\n") != std::string::npos);
  CHECK(in.find("Connection: close\r\n") != std::string::npos);
  CHECK(in.find("Content-Length") == std::string::npos);
  CHECK(in.find("\r\n\r\ndata: one\n\ndata: two\n\n") != std::string::npos);
  CHECK(f.held->stream_send("data: three\n\n"));
  CHECK(f.read_some(fd) == "data: three\n\n");
  // answer() on a stream writes nothing more.
  f.held->answer({200, "{}"});
  CHECK(f.read_some(fd).empty());
  // The client leaves: the holder hears it, and sends are refused.
  ::close(fd);
  for (int i = 0; i < 100 && !f.gone; ++i) f.spin();
  CHECK(f.gone);
  CHECK_FALSE(f.held->stream_send("data: late\n\n"));
}

TEST_CASE("http stream: a reader that does not read is dropped at 256 KiB waiting",
          "[node][http][sse]") {
  StreamFixture f;
  const int fd = f.client(4096);
  const std::string chunk(64 << 10, 'x');
  std::size_t sent = 0;
  bool refused = false;
  // Kernel buffers take some megabytes at most; past them the queue fills and the send fails.
  while (sent < (64u << 20)) {
    f.spin(1);
    if (!f.held->stream_send(chunk)) {
      refused = true;
      break;
    }
    sent += chunk.size();
  }
  CHECK(refused);
  CHECK(sent < (32u << 20));
  CHECK_FALSE(f.gone);  // a drop reported by stream_send is not also reported by on_gone
  CHECK_FALSE(f.held->stream_send("x"));
  // Its connection is closed: the reader, reading at last, sees the end.
  std::string in;
  char buf[65536];
  ssize_t n = 1;
  for (int i = 0; i < 2000 && n != 0; ++i) {
    f.spin(1);
    n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) in.append(buf, static_cast<std::size_t>(n));
  }
  CHECK(n == 0);
  CHECK(in.size() <= sent + 1024);
  ::close(fd);
}
