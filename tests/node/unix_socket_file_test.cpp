// The unix-socket API's file (node/unix_socket_file.hpp): a stale socket is replaced, a live
// one or a regular file never; the socket's mode is 0660; the CLI's connect probe.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "node/cli_client.hpp"
#include "node/unix_socket_file.hpp"

namespace fs = std::filesystem;
using namespace shoal::node;

namespace {

// A bound unix socket at `path`, listening when `listen` (else stale once closed).
int bind_unix(const std::string& path, bool listen) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  if (listen) REQUIRE(::listen(fd, 4) == 0);
  return fd;
}

struct SocketDir {
  std::string path;
  SocketDir() {
    char t[] = "/tmp/shoal-sock-XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    path = t;
  }
  ~SocketDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("prepare_socket_path: stale sockets go, live ones and other files stay",
          "[node][api][socket]") {
  SocketDir d;
  const std::string s = d.path + "/sub/api.sock";
  CHECK(prepare_socket_path(s).empty());  // nothing there; the folder is created
  CHECK(fs::is_directory(d.path + "/sub"));

  int live = bind_unix(s, true);
  CHECK(unix_socket_connectable(s));
  CHECK(prepare_socket_path(s).find("another process serves this socket") != std::string::npos);
  CHECK(fs::exists(s));
  ::close(live);  // the socket file stays behind: stale now
  CHECK_FALSE(unix_socket_connectable(s));
  CHECK(prepare_socket_path(s).empty());
  CHECK_FALSE(fs::exists(s));

  std::ofstream(s) << "not a socket";
  CHECK(prepare_socket_path(s).find("is not a socket") != std::string::npos);
  CHECK(fs::exists(s));
  CHECK(prepare_socket_path("/tmp/" + std::string(120, 'x')).find("longer than 107") !=
        std::string::npos);
}

TEST_CASE("secure_socket: mode 0660, group by name", "[node][api][socket]") {
  SocketDir d;
  const std::string s = d.path + "/api.sock";
  int fd = bind_unix(s, true);
  CHECK(secure_socket(s, "").empty());
  struct stat st;
  REQUIRE(::stat(s.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0660);
  CHECK(secure_socket(s, "no-such-group-shoal").find("no group named") != std::string::npos);
  CHECK(secure_socket(s, "nogroup").empty());  // Debian's nobody group
  REQUIRE(::stat(s.c_str(), &st) == 0);
  CHECK(st.st_gid == 65534);
  ::close(fd);
}

TEST_CASE("the CLI picks the default socket only when it answers and nothing named a target",
          "[node][cli][socket]") {
  SocketDir d;
  const std::string s = d.path + "/api.sock";
  ::unsetenv("SHOAL_API");
  ApiTarget t;
  std::string e;
  REQUIRE(resolve_api("", t, e));
  prefer_local_socket(t, s);  // nothing there
  CHECK(t.unix_path.empty());
  CHECK(describe(t) == "127.0.0.1:7951");
  int fd = bind_unix(s, true);
  prefer_local_socket(t, s);
  CHECK(t.unix_path == s);
  CHECK(describe(t) == "unix:" + s);

  ApiTarget named;
  REQUIRE(resolve_api("127.0.0.1:9000", named, e));
  prefer_local_socket(named, s);  // --api wins
  CHECK(named.unix_path.empty());

  ApiTarget u;
  REQUIRE(resolve_api("unix:" + s, u, e));
  CHECK(u.unix_path == s);
  ::setenv("SHOAL_API", ("unix:" + s).c_str(), 1);
  ApiTarget env;
  REQUIRE(resolve_api("", env, e));
  CHECK(env.unix_path == s);
  ::unsetenv("SHOAL_API");
  CHECK_FALSE(resolve_api("unix:", u, e));
  ::close(fd);
}
