// free_port() (cluster.hpp): the ports a test picks for agents it starts as separate processes.
// Such a port cannot be bound once and passed in, so between the pick and the agent's bind
// nothing else may take it:
// - the port lies outside the kernel's ephemeral range, from which every bind to port 0, every
//   outgoing connection and every unbound UDP send draws: those never take it;
// - another test process is kept off it by a claim: an abstract unix socket named after the
//   port, held while this process lives (the kernel drops it at exit, even on SIGKILL). Every
//   test process picks through here, so two tests run at once never share a port.
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

#include "cluster.hpp"

namespace shoal::test {

namespace {

bool bind_ok(int type, std::uint16_t port) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// The claim on `port`: a socket fd, or -1 when another process (or this one) holds it.
int claim(std::uint16_t port) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const std::string name = "shoal-test-port-" + std::to_string(port);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path + 1, name.data(), name.size());  // sun_path[0] = 0: abstract
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// The ports to pick from: below the ephemeral range (or, when it starts too low, above it).
std::pair<int, int> pick_range() {
  int lo = 32768, hi = 60999;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> lo >> hi;
  if (lo - 1 >= 10000) return {std::max(1024, lo - 12000), lo - 1};
  if (65535 - hi >= 2000) return {hi + 1, 65535};
  throw std::runtime_error("free_port: the ephemeral port range " + std::to_string(lo) + "-" +
                           std::to_string(hi) + " leaves no ports to pick from");
}

}  // namespace

std::uint16_t free_port() {
  static const std::pair<int, int> range = pick_range();
  static std::mt19937 rng(static_cast<unsigned>(::getpid()) ^
                          static_cast<unsigned>(
                              std::chrono::steady_clock::now().time_since_epoch().count()));
  // The claims this process holds; the oldest are let go (its port long bound by its user, or
  // freed), so a test binary running every test in one process keeps a bounded number of fds.
  static std::deque<int> held;
  std::uniform_int_distribution<int> any(range.first, range.second);
  for (int attempt = 0; attempt < 2000; ++attempt) {
    const auto p = static_cast<std::uint16_t>(any(rng));
    const int fd = claim(p);
    if (fd < 0) continue;
    if (!bind_ok(SOCK_STREAM, p) || !bind_ok(SOCK_DGRAM, p)) {  // taken by a non-test process
      ::close(fd);
      continue;
    }
    held.push_back(fd);
    if (held.size() > 128) {
      ::close(held.front());
      held.pop_front();
    }
    return p;
  }
  throw std::runtime_error("free_port: no free port after 2000 tries");
}

}  // namespace shoal::test
