// The readiness datagram reaches a real unix datagram socket, at a path or an abstract name, as
// systemd listens for it; once only.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>

#include "node/sd_notify.hpp"

using shoal::node::ReadyNotice;
using shoal::node::sd_notify_to;

namespace {

// A bound datagram socket that stands in for systemd's notify socket. `name` as in
// $NOTIFY_SOCKET: a path, or '@' + an abstract name.
struct Listener {
  int fd = -1;
  std::string name;
  explicit Listener(std::string n) : name(std::move(n)) {
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, name.data(), name.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    if (name[0] == '@') a.sun_path[0] = '\0';
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0);
  }
  ~Listener() {
    ::close(fd);
    if (name[0] == '/') ::unlink(name.c_str());
  }
  // The next datagram, or "" when none is waiting (never blocks).
  std::string take() const {
    char buf[256];
    ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
  }
};

std::string unique(const std::string& stem) {
  return stem + std::to_string(::getpid());
}

}  // namespace

TEST_CASE("sd_notify: READY=1 reaches a socket at a path", "[node][sd_notify]") {
  Listener l((std::filesystem::temp_directory_path() / unique("shoal-notify-")).string());
  CHECK(sd_notify_to(l.name, "READY=1") == "");
  CHECK(l.take() == "READY=1");
}

TEST_CASE("sd_notify: an abstract name ('@') has no file and no trailing NUL", "[node][sd_notify]") {
  Listener l("@" + unique("shoal-notify-abstract-"));
  CHECK(sd_notify_to(l.name, "READY=1") == "");
  CHECK(l.take() == "READY=1");  // the exact length: a stray NUL would name another socket
}

TEST_CASE("sd_notify: no NOTIFY_SOCKET sends nothing, bad ones say why", "[node][sd_notify]") {
  CHECK(sd_notify_to("", "READY=1") == "");
  CHECK(sd_notify_to("relative/path", "READY=1").find("neither an absolute path") !=
        std::string::npos);
  CHECK(sd_notify_to("/" + std::string(200, 'x'), "READY=1").find("fits") != std::string::npos);
  const std::string gone = "/nonexistent-dir-shoal/notify";
  CHECK(sd_notify_to(gone, "READY=1").find(gone) != std::string::npos);
}

TEST_CASE("sd_notify: the agent's notice is sent once", "[node][sd_notify]") {
  Listener l("@" + unique("shoal-notify-once-"));
  ReadyNotice notice(l.name);
  CHECK_FALSE(notice.sent());
  notice.send_once();
  notice.send_once();
  CHECK(notice.sent());
  CHECK(l.take() == "READY=1");
  CHECK(l.take() == "");
}

TEST_CASE("sd_notify: the notice takes NOTIFY_SOCKET out of the environment", "[node][sd_notify]") {
  Listener l("@" + unique("shoal-notify-env-"));
  ::setenv("NOTIFY_SOCKET", l.name.c_str(), 1);
  ReadyNotice notice;
  CHECK(std::getenv("NOTIFY_SOCKET") == nullptr);  // instances started later do not inherit it
  notice.send_once();
  CHECK(l.take() == "READY=1");
}
