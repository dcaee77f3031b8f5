#include "node/runtime/socket_detect.hpp"

#include <sys/stat.h>

#include <cstdlib>

namespace shoal::runtime {
namespace {

constexpr std::string_view kUnix = "unix://";

std::string strip_unix(const std::string& s) {
  return s.rfind(kUnix, 0) == 0 ? s.substr(kUnix.size()) : s;
}

bool is_socket(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

std::vector<std::string> default_socket_candidates() {
  return {"/var/run/docker.sock", "/run/podman/podman.sock"};
}

Result<std::string> detect_docker_socket(const std::string& configured, const char* docker_host,
                                         const std::vector<std::string>& candidates) {
  if (!configured.empty()) {
    std::string p = strip_unix(configured);
    if (p.empty()) return Error{"runtime.socket '" + configured + "' names no path"};
    return p;
  }
  std::string tried;
  if (docker_host != nullptr && *docker_host != '\0') {
    std::string h = docker_host;
    if (h.rfind(kUnix, 0) != 0)
      return Error{"DOCKER_HOST=" + h + " is not a unix:// socket (only unix sockets are supported)"};
    std::string p = strip_unix(h);
    if (is_socket(p)) return p;
    tried = "DOCKER_HOST " + p;
  }
  for (const auto& c : candidates) {
    if (is_socket(c)) return c;
    tried += (tried.empty() ? "" : ", ") + c;
  }
  return Error{"no container engine socket found (tried " + tried +
               "); start Docker or `podman system service`, or set runtime.socket"};
}

Result<std::string> detect_docker_socket(const std::string& configured) {
  return detect_docker_socket(configured, std::getenv("DOCKER_HOST"), default_socket_candidates());
}

}  // namespace shoal::runtime
