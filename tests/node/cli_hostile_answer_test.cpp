// A peer's API answer is outside input to the CLI: one whose fields have unexpected types (an
// impostor on the API port, a newer version) ends the command with exit 1 and a message, never
// an abort, for every command that renders an answer as text.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <thread>

#include "node/cli.hpp"

namespace {

// A loopback listener that answers every connection with `body` (200, JSON), until destroyed.
class FixedAnswer {
 public:
  explicit FixedAnswer(std::string body) : body_(std::move(body)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FixedAnswer() {
    ::shutdown(fd_, SHUT_RDWR);  // ends accept()
    thread_.join();
    ::close(fd_);
  }
  std::string api() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void serve() {
    for (;;) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      std::string req;
      while (req.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      const std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(body_.size()) + "\r\nConnection: close\r\n\r\n" + body_;
      (void)!::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  std::string body_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_CASE("cli: an answer with fields of unexpected types is an error, not an abort", "[node][cli]") {
  FixedAnswer status(R"({"name":"p0","members":3,"runtime":{"driver":"process","available":"no"}})");
  std::ostringstream out, err;
  CHECK(shoal::node::run_cli({"status", "--api", status.api()}, out, err) == 1);
  CHECK(err.str().find("shoal status: the peer's answer could not be read: ") == 0);

  FixedAnswer fine(R"({"name":"p0","members":3,"alive":3,"ready":3,"starved":true,"cpu_wait":0.5})");
  std::ostringstream out2, err2;
  CHECK(shoal::node::run_cli({"status", "--api", fine.api()}, out2, err2) == 0);
  CHECK(out2.str().find("starved:    yes, waiting for a CPU 50% of the time") != std::string::npos);
}
