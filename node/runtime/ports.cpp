#include "node/runtime/ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::runtime {

Result<std::uint16_t> find_free_port(const std::string& host) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    len = sizeof *v6;
  } else {
    return Error{"find_free_port: not an IP address: '" + host + "'"};
  }
  int fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error{std::string("find_free_port: socket: ") + std::strerror(errno)};
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    int e = errno;
    ::close(fd);
    return Error{"find_free_port: bind " + host + ": " + std::strerror(e)};
  }
  socklen_t got = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &got) != 0) {
    int e = errno;
    ::close(fd);
    return Error{std::string("find_free_port: getsockname: ") + std::strerror(e)};
  }
  ::close(fd);
  std::uint16_t port = ss.ss_family == AF_INET ? ntohs(v4->sin_port) : ntohs(v6->sin6_port);
  return port;
}

Result<std::vector<HostPort>> assign_host_ports(const std::vector<config::Port>& ports,
                                                const std::string& host,
                                                std::set<std::uint16_t>& used) {
  std::vector<HostPort> out;
  for (const auto& p : ports) {
    HostPort hp{p.name, p.container, p.host.value_or(0)};
    for (int attempt = 0; attempt < 20 && hp.host == 0; ++attempt) {
      auto free = find_free_port(host);
      if (!free) return free.error();
      if (used.count(free.value()) == 0) hp.host = free.value();
    }
    if (hp.host == 0) return Error{"no free host port"};
    used.insert(hp.host);
    out.push_back(hp);
  }
  return out;
}

}  // namespace shoal::runtime
