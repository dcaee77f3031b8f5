// A Docker Engine API that answers whatever a test wants, on a unix socket of its own: for
// answers a real engine never gives (hostile JSON, odd status codes). One request per
// connection, as DockerApi makes them; the request is read up to its headers.
#pragma once

#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

namespace shoal::runtime::test {

struct Answer {
  int status = 200;
  std::string body;
};

// Answers each request with route(method, path).
class FakeEngine {
 public:
  using Route = std::function<Answer(const std::string& method, const std::string& path)>;
  explicit FakeEngine(Route route) : route_(std::move(route)) {
    char tmpl[] = "/tmp/shoal-hostile-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/engine.sock";
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path_.c_str());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeEngine() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      answer(c);
      ::close(c);
    }
  }
  void answer(int c) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 2000) <= 0) return;
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      req.append(buf, static_cast<std::size_t>(n));
    }
    const auto sp1 = req.find(' ');
    const auto sp2 = req.find(' ', sp1 + 1);
    const Answer a = route_(req.substr(0, sp1), req.substr(sp1 + 1, sp2 - sp1 - 1));
    const std::string out = "HTTP/1.1 " + std::to_string(a.status) +
                            " X\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(a.body.size()) + "\r\nConnection: close\r\n\r\n" +
                            a.body;
    (void)::write(c, out.data(), out.size());
  }

  Route route_;
  std::string dir_, path_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace shoal::runtime::test
