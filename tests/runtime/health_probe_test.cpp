// The blocking health probes against real sockets: a tiny HTTP server thread in the test,
// a closed port, a server that never answers, and host commands.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "node/runtime/health.hpp"
#include "node/runtime/ports.hpp"

using namespace shoal::runtime;

namespace {

// Listens on 127.0.0.1:<port>; answers each request by its path: /ok 200, /moved 302, else
// 500. With `silent`, accepts and never answers. Stops (and joins) on destruction.
class TinyServer {
 public:
  explicit TinyServer(bool silent = false) : silent_(silent) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~TinyServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    for (int c : held_) ::close(c);
  }
  std::uint16_t port = 0;

 private:
  void run() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      if (silent_) {
        held_.push_back(c);
        continue;
      }
      std::string req;
      char buf[1024];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      std::string status = req.rfind("GET /ok ", 0) == 0      ? "200 OK"
                           : req.rfind("GET /moved ", 0) == 0 ? "302 Found"
                                                              : "500 Oops";
      std::string resp = "HTTP/1.0 " + status + "\r\nContent-Length: 0\r\n\r\n";
      (void)::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }
  int fd_ = -1;
  bool silent_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<int> held_;
};

}  // namespace

TEST_CASE("http probe: 200..399 passes, 500 fails, with the status in the detail") {
  TinyServer s;
  auto ok = probe_http("127.0.0.1", s.port, "/ok", 2000);
  CHECK(ok.ok);
  CHECK(ok.detail == "HTTP 200");
  auto moved = probe_http("127.0.0.1", s.port, "/moved", 2000);
  CHECK(moved.ok);
  CHECK(moved.detail == "HTTP 302");
  auto bad = probe_http("127.0.0.1", s.port, "/broken", 2000);
  CHECK_FALSE(bad.ok);
  CHECK(bad.detail == "HTTP 500");
  CHECK(probe_http("127.0.0.1", s.port, "ok", 2000).ok);  // a path without '/' gets one
}

TEST_CASE("http and tcp probes fail on a closed port and time out on a silent server") {
  // A closed port: bound here and never listened on, so it stays closed while the test runs
  // (a port found free and let go could be taken by someone else's listener).
  const int hold = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(hold, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(hold, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  const std::uint16_t closed = ntohs(a.sin_port);
  auto h = probe_http("127.0.0.1", closed, "/", 1000);
  CHECK_FALSE(h.ok);
  CHECK(h.detail.find("Connection refused") != std::string::npos);
  auto t = probe_tcp("127.0.0.1", closed, 1000);
  CHECK_FALSE(t.ok);
  CHECK(t.detail.find("Connection refused") != std::string::npos);
  ::close(hold);

  TinyServer silent(true);
  CHECK(probe_tcp("127.0.0.1", silent.port, 1000).ok);  // connect is enough for tcp
  auto hung = probe_http("127.0.0.1", silent.port, "/ok", 200);
  CHECK_FALSE(hung.ok);
  CHECK(hung.detail.find("timed out") != std::string::npos);
  CHECK(hung.detail.rfind("GET /ok on 127.0.0.1:", 0) == 0);  // names the request it waited on
}

TEST_CASE("run_probe picks the check's port by name and the right probe") {
  TinyServer s;
  std::vector<HostPort> ports = {{"admin", 9000, 1}, {"http", 8080, s.port}};
  shoal::config::HealthCheck check;
  CHECK(run_probe(check, ports, {}).ok);  // Kind::none
  check.kind = shoal::config::HealthCheck::Kind::http;
  check.port = "http";
  check.http_path = "/ok";
  CHECK(run_probe(check, ports, {}).ok);
  check.http_path = "/fail";
  CHECK_FALSE(run_probe(check, ports, {}).ok);
  check.kind = shoal::config::HealthCheck::Kind::tcp;
  CHECK(run_probe(check, ports, {}).ok);
  check.port = "nope";
  auto missing = run_probe(check, ports, {});
  CHECK_FALSE(missing.ok);
  CHECK(missing.detail.find("'nope'") != std::string::npos);
  check.kind = shoal::config::HealthCheck::Kind::exec;
  check.exec = {"true"};
  CHECK_FALSE(run_probe(check, ports, {}).ok);  // no exec function
  CHECK(run_probe(check, ports, host_exec_fn({{"PATH", "/usr/bin:/bin"}})).ok);
}

TEST_CASE("a probe's timeout is capped below its interval") {
  shoal::config::HealthCheck check;
  check.interval = 5000;
  check.timeout = 2000;
  CHECK(capped_timeout(check) == 2000);
  check.interval = 1000;  // the default 2 s timeout with a 1 s interval (or a gossiped spec)
  CHECK(capped_timeout(check) == 999);
  check.timeout = 1000;
  CHECK(capped_timeout(check) == 999);
  check.interval = 1;
  CHECK(capped_timeout(check) == 1);

  // run_probe applies it: an exec check that sleeps 10 s with timeout 10 s and interval 300 ms
  // is killed at ~299 ms.
  check.kind = shoal::config::HealthCheck::Kind::exec;
  check.exec = {"sleep", "10"};
  check.interval = 300;
  check.timeout = 10000;
  Millis asked = 0;
  auto r = run_probe(check, {}, [&](const std::vector<std::string>& argv, Millis timeout) {
    asked = timeout;
    return probe_exec(argv, {{"PATH", "/usr/bin:/bin"}}, timeout);
  });
  CHECK(asked == 299);
  CHECK_FALSE(r.ok);
  CHECK(r.detail.find("timed out after 299 ms") != std::string::npos);
}

TEST_CASE("exec probe on the host: exit 0 passes, env is passed, timeouts kill") {
  std::map<std::string, std::string> env = {{"PATH", "/usr/bin:/bin"}, {"WANT", "yes"}};
  CHECK(probe_exec({"true"}, env, 2000).ok);
  auto f = probe_exec({"sh", "-c", "exit 7"}, env, 2000);
  CHECK_FALSE(f.ok);
  CHECK(f.detail == "exit 7");
  CHECK(probe_exec({"sh", "-c", "test \"$WANT\" = yes"}, env, 2000).ok);
  CHECK_FALSE(probe_exec({"sh", "-c", "test -n \"$HOME\""}, env, 2000).ok);  // only `env`
  auto slow = probe_exec({"sleep", "10"}, env, 200);
  CHECK_FALSE(slow.ok);
  CHECK(slow.detail.find("timed out") != std::string::npos);
  auto nf = probe_exec({"shoal-no-such-command"}, env, 1000);
  CHECK_FALSE(nf.ok);
  CHECK(nf.detail.find("not found") != std::string::npos);
}
