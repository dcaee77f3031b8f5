// The API port under a connection flood: 300 connections that each send all but the last byte
// of a 256 KiB request (75 MiB in all) cost bounded memory (sessions are capped), the unix
// socket keeps answering meanwhile, and the TCP API answers again once the flood ends.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include "cluster.hpp"
#include "net.hpp"
#include "node/http.hpp"

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

long rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A connection that sends all but the last byte of a 256 KiB apply; -1 when refused.
int half_request(std::uint16_t port) {
  const int fd = shoal::test::tcp_connect(port);
  if (fd < 0) return -1;
  const std::string head = "POST /v1/apply HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Content-Type: application/json\r\nContent-Length: 262144\r\n\r\n";
  const std::string body(262143, 'x');
  (void)!::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
  (void)!::send(fd, body.data(), body.size(), MSG_NOSIGNAL);
  return fd;
}

}  // namespace

TEST_CASE("api flood: 300 unfinished requests cost bounded memory, the socket still answers",
          "[asan][integration][security][api]") {
  shoal::test::small_asan_quarantine();
  Cluster c(1);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  const std::string sock = c.peer(0).dir + "/data/api.sock";
  const long idle = rss_kib(c.peer(0).pid);
  std::vector<int> fds;
  for (int k = 0; k < 300; ++k) {
    if (int fd = half_request(c.peer(0).api_port); fd >= 0) fds.push_back(fd);
  }
  auto during = shoal::node::http_call_unix(sock, "GET", "/v1/status", "", "", 3000);
  CHECK(during.ok);
  CHECK(during.status == 200);
  const long flooded = rss_kib(c.peer(0).pid);
  WARN("agent VmRSS idle " << idle << " KiB, with 300 unfinished 256 KiB requests " << flooded
                           << " KiB");
  CHECK(flooded - idle < 32 * 1024);
  for (int fd : fds) ::close(fd);
  CHECK(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
}
