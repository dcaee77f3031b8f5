// The docker driver and its HTTP client when the engine is missing or hangs: errors are
// values that name the socket and come back within the timeout. No Podman needed.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "node/runtime/docker_api.hpp"
#include "node/runtime/docker_driver.hpp"
#include "node/runtime/mono_clock.hpp"
#include "node/runtime/socket_detect.hpp"

using namespace shoal::runtime;

namespace {

// A listening unix socket that accepts (in the kernel backlog) and never answers.
struct SilentSocket {
  std::string path;
  int fd = -1;
  SilentSocket() {
    char tmpl[] = "/tmp/shoal-silent-XXXXXX";
    dir = ::mkdtemp(tmpl);
    path = dir + "/engine.sock";
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(fd, 8) == 0);
  }
  ~SilentSocket() {
    ::close(fd);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string dir;
};

}  // namespace

TEST_CASE("docker driver with an engine socket that does not exist: clear errors, no hang") {
  DockerDriverOptions o;
  o.peer = "p";
  o.socket = "unix:///tmp/shoal-no-such-engine.sock";
  o.timeout = 2000;
  DockerDriver d(o);
  CHECK(d.socket() == "/tmp/shoal-no-such-engine.sock");
  auto t0 = mono_ms();
  auto s = d.available();
  REQUIRE_FALSE(s.ok());
  INFO(s.error().message);
  CHECK(s.error().message.find("container engine unavailable") != std::string::npos);
  CHECK(s.error().message.find("/tmp/shoal-no-such-engine.sock") != std::string::npos);
  CHECK(s.error().message.find("No such file") != std::string::npos);
  CHECK(mono_ms() - t0 < 2000);  // refused at once, not a timeout

  InstanceSpec spec;
  spec.labels = Labels{"p", "web", 0, "h"};
  spec.service.name = "web";
  spec.service.image = "localhost/busybox:latest";
  auto r = d.start(spec);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("/tmp/shoal-no-such-engine.sock") != std::string::npos);
  spec.labels.peer = "q";  // not this driver's peer: refused before any engine call
  auto wrong = d.start(spec);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message.find("peer 'q'") != std::string::npos);
  CHECK_FALSE(d.list_checked().ok());
  CHECK(d.list().empty());
  CHECK(d.poll().empty());
  CHECK_FALSE(d.stop("abc", 1000).ok());
}

TEST_CASE("docker api: an engine that accepts and never answers times out with a clear error") {
  SilentSocket engine;
  auto t0 = mono_ms();
  auto r = DockerApi(engine.path, 300).request("GET", "/_ping");
  auto took = mono_ms() - t0;
  REQUIRE_FALSE(r.ok());
  INFO(r.error().message);
  CHECK(r.error().message.find("timed out after 300 ms") != std::string::npos);
  CHECK(r.error().message.find(engine.path) != std::string::npos);
  CHECK(took >= 300);

  DockerDriverOptions o;
  o.peer = "p";
  o.socket = engine.path;
  o.timeout = 300;
  DockerDriver d(o);
  auto s = d.available();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("timed out") != std::string::npos);
}

TEST_CASE("docker socket detection: configured, DOCKER_HOST, then the well-known paths") {
  SilentSocket a, b;
  std::vector<std::string> candidates = {"/tmp/shoal-none/docker.sock", b.path};
  // Configured wins as is, with or without unix://, even when absent.
  CHECK(detect_docker_socket("unix:///x/y.sock", nullptr, candidates).value() == "/x/y.sock");
  CHECK(detect_docker_socket("/x/y.sock", a.path.c_str(), candidates).value() == "/x/y.sock");
  // DOCKER_HOST (unix://) when it is a socket.
  std::string dh = "unix://" + a.path;
  CHECK(detect_docker_socket("", dh.c_str(), candidates).value() == a.path);
  // Else the first candidate that is a socket.
  CHECK(detect_docker_socket("", nullptr, candidates).value() == b.path);
  CHECK(detect_docker_socket("", "unix:///tmp/shoal-none/x.sock", candidates).value() == b.path);
  // A tcp DOCKER_HOST is refused; nothing found names what was tried.
  auto tcp = detect_docker_socket("", "tcp://127.0.0.1:2375", candidates);
  REQUIRE_FALSE(tcp.ok());
  CHECK(tcp.error().message.find("not a unix://") != std::string::npos);
  auto none = detect_docker_socket("", nullptr, {"/tmp/shoal-none/docker.sock"});
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("/tmp/shoal-none/docker.sock") != std::string::npos);
}

TEST_CASE("shoal.ports label round-trips and skips damaged items") {
  std::vector<HostPort> ports = {{"admin", 9000, 31235}, {"http", 80, 31234}};
  CHECK(encode_ports_label(ports) == "admin=9000:31235;http=80:31234");
  CHECK(decode_ports_label(encode_ports_label(ports)) == ports);
  CHECK(decode_ports_label("").empty());
  CHECK(decode_ports_label("x=1:2;bad;y=99999:1;z=a:b") == std::vector<HostPort>{{"x", 1, 2}});
}
