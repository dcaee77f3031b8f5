#include "node/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

namespace shoal::node {

std::string sd_notify_to(const std::string& notify_socket, const std::string& state) {
  if (notify_socket.empty()) return "";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // An abstract name ('@' in the variable) has no file: its first byte is NUL and its length
  // is exact (no terminating NUL counted), as systemd binds it.
  if (notify_socket.size() >= sizeof(addr.sun_path) ||
      (notify_socket[0] != '/' && notify_socket[0] != '@')) {
    return "NOTIFY_SOCKET `" + notify_socket + "` is neither an absolute path nor an abstract "
           "name (@...) that fits a unix socket address";
  }
  std::memcpy(addr.sun_path, notify_socket.data(), notify_socket.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + notify_socket.size());
  if (notify_socket[0] == '@') {
    addr.sun_path[0] = '\0';
  } else {
    len += 1;  // the path's terminating NUL
  }
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket: ") + std::strerror(errno);
  ssize_t n;
  do {
    n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                 reinterpret_cast<const sockaddr*>(&addr), len);
  } while (n < 0 && errno == EINTR);
  const int e = errno;
  ::close(fd);
  if (n < 0) return "NOTIFY_SOCKET " + notify_socket + ": " + std::strerror(e);
  if (static_cast<std::size_t>(n) != state.size()) return "NOTIFY_SOCKET: short send";
  return "";
}

namespace {
std::string take_notify_socket() {
  const char* s = std::getenv("NOTIFY_SOCKET");
  std::string v = s ? s : "";
  ::unsetenv("NOTIFY_SOCKET");
  return v;
}
}  // namespace

ReadyNotice::ReadyNotice() : socket_(take_notify_socket()) {}

void ReadyNotice::send_once() {
  if (sent_) return;
  sent_ = true;
  if (socket_.empty()) return;
  if (std::string e = sd_notify_to(socket_, "READY=1"); !e.empty()) {
    spdlog::warn("could not tell systemd the peer is ready: {}", e);
  } else {
    spdlog::info("told systemd the peer is ready (READY=1)");
  }
}

}  // namespace shoal::node
