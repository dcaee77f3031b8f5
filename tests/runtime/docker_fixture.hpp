// Test support for the docker driver against a real Podman: finds `podman`, makes sure the
// Docker API service of scripts/podman-setup answers (running the script when it does not,
// and stopping the service it started at exit), gives each test its own peer name and removes
// every container labelled with it afterwards.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>

#include "tests/skip.hpp"
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "node/runtime/docker_api.hpp"
#include "node/runtime/docker_driver.hpp"

namespace shoal::runtime::test {

inline std::int64_t docker_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline bool docker_wait_until(const std::function<bool()>& done, std::int64_t timeout_ms) {
  std::int64_t deadline = docker_now_ms() + timeout_ms;
  for (;;) {
    if (done()) return true;
    if (docker_now_ms() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

inline bool podman_installed() {
  std::string path = env_or("PATH", "/usr/bin:/bin");
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string cand = path.substr(i, j - i) + "/podman";
    i = j + 1;
    if (::access(cand.c_str(), X_OK) == 0) return true;
  }
  return false;
}

// The engine every docker test uses: "" (with `why` set) when the tests must be skipped.
// A setup failure with podman installed is a test failure, not a skip.
struct PodmanEnv {
  std::string socket;
  std::string why;
  bool setup_failed = false;
};

inline std::string repo_root() {
  std::string f = __FILE__;  // .../tests/runtime/docker_fixture.hpp
  for (int i = 0; i < 3; ++i) f = f.substr(0, f.rfind('/'));
  return f;
}

inline bool pings(const std::string& sock) {
  auto r = DockerApi(sock, 2000).request("GET", "/_ping");
  return r && r->status == 200;
}

inline const PodmanEnv& podman_env() {
  static PodmanEnv env = [] {
    PodmanEnv e;
    if (!podman_installed()) {
      e.why = "podman is not installed: docker driver tests skipped (run scripts/podman-setup)";
      return e;
    }
    std::string conf = env_or("SHOAL_CONTAINERS_CONF", "/tmp/shoal-containers.conf");
    ::setenv("CONTAINERS_CONF", conf.c_str(), 1);
    std::string sock = env_or("SHOAL_PODMAN_SOCK", "/tmp/shoal-podman.sock");
    if (!pings(sock)) {
      std::string script = repo_root() + "/scripts/podman-setup";
      std::string cmd = script + " >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0 || !pings(sock)) {
        e.why = "podman is installed but " + script + " did not bring up unix://" + sock;
        e.setup_failed = true;
        return e;
      }
      // We started the service: stop it (by its PID file) when the tests end.
      static std::string stop_cmd = script + " stop >/dev/null 2>&1";
      std::atexit([] { (void)std::system(stop_cmd.c_str()); });
    }
    e.socket = sock;
    return e;
  }();
  return env;
}

// Skips (WARN + return) when podman is absent; fails when it is present but unusable.
#define SHOAL_REQUIRE_PODMAN()                                   \
  const auto& podman_ = ::shoal::runtime::test::podman_env();    \
  if (podman_.socket.empty()) {                                  \
    if (podman_.setup_failed) FAIL(podman_.why);                 \
    SHOAL_SKIP(podman_.why, true);                               \
  }

// A peer name of its own per test, a driver for it, and removal of every container labelled
// with that peer (running or not) when the test ends.
class DockerHarness {
 public:
  explicit DockerHarness(const std::string& socket) : socket_(socket) {
    static std::atomic<int> n{0};
    peer = "test-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    driver = std::make_unique<DockerDriver>(options());
  }
  ~DockerHarness() { cleanup(); }

  DockerDriverOptions options() const {
    DockerDriverOptions o;
    o.peer = peer;
    o.socket = socket_;
    o.host_address = "127.0.0.1";
    return o;
  }

  DockerApi api() const { return DockerApi(socket_, 10000); }

  // Every container (any state) labelled shoal.peer = peer, as engine JSON.
  nlohmann::json containers() const {
    nlohmann::json f = {{"label", {"shoal.peer=" + peer}}};
    auto r = api().request("GET", "/containers/json?all=true&filters=" + url_encode(f.dump()));
    if (!r || r->status != 200) return nlohmann::json::array();
    return nlohmann::json::parse(r->body, nullptr, false);
  }

  nlohmann::json inspect(const std::string& id) const {
    auto r = api().request("GET", "/containers/" + id + "/json");
    if (!r || r->status != 200) return nullptr;
    return nlohmann::json::parse(r->body, nullptr, false);
  }

  // Polls the driver until an exit for `id` shows up (or timeout); collects every exit seen.
  std::optional<Exit> wait_exit(const std::string& id, std::int64_t timeout_ms) {
    std::optional<Exit> found;
    docker_wait_until(
        [&] {
          for (auto& e : driver->poll()) {
            if (e.id == id) found = e;
          }
          return found.has_value();
        },
        timeout_ms);
    return found;
  }

  void cleanup() {
    for (const auto& c : containers())
      if (c.is_object() && c.contains("Id"))
        (void)api().request("DELETE", "/containers/" + c["Id"].get<std::string>() + "?force=true");
  }

  std::string peer;
  std::unique_ptr<DockerDriver> driver;

 private:
  std::string socket_;
};

inline InstanceSpec busybox_spec(const std::string& peer, const std::string& service, int index,
                                 std::vector<std::string> command) {
  InstanceSpec s;
  s.labels = Labels{peer, service, index, "hash-" + service};
  s.service.name = service;
  s.service.image = "localhost/busybox:latest";
  s.service.command = std::move(command);
  s.service.stop_grace = 2000;
  return s;
}

// busybox httpd serving "hello" at / on container port 8080.
inline std::vector<std::string> httpd_command() {
  return {"/bin/sh", "-c",
          "/bin/busybox mkdir -p /www && echo hello > /www/index.html && "
          "exec /bin/busybox httpd -f -p 8080 -h /www"};
}

}  // namespace shoal::runtime::test
