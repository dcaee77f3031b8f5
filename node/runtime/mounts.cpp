#include "node/runtime/mounts.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace shoal::runtime {

nlohmann::json docker_mounts(const std::vector<config::Volume>& volumes) {
  nlohmann::json out = nlohmann::json::array();
  for (const config::Volume& v : volumes) {
    out.push_back({{"Type", v.bind() ? "bind" : "volume"},
                   {"Source", v.source},
                   {"Target", v.target},
                   {"ReadOnly", v.read_only()}});
  }
  return out;
}

namespace {

// `path` with every symlink resolved; empty when it does not resolve.
std::string resolved(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : std::string();
}

bool at_or_below(const std::string& path, const std::string& root) {
  if (root == "/") return true;
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          path[root.size()] == '/');
}

}  // namespace

std::string bind_outside_roots(const std::vector<config::Volume>& volumes,
                               const std::vector<std::string>& roots) {
  for (const config::Volume& v : volumes) {
    if (!v.bind()) continue;
    const std::string real = resolved(v.source);
    bool allowed = false;
    for (const std::string& root : roots) {
      const std::string real_root = resolved(root);
      if (!real.empty() && !real_root.empty() && at_or_below(real, real_root)) allowed = true;
    }
    if (allowed) continue;
    std::string list;
    for (const std::string& root : roots) list += (list.empty() ? "" : ", ") + root;
    return "volume `" + v.to_string() + "`: this peer allows bind mounts only below " +
           (list.empty() ? std::string("nothing") : list) + " (runtime.bind_roots in its peer " +
           "file" + (real.empty() || real == v.source ? "" : "; the path resolves to " + real) +
           "); named volumes need no permission";
  }
  return {};
}

std::string missing_host_path(const std::vector<config::Volume>& volumes) {
  for (const config::Volume& v : volumes) {
    if (!v.bind()) continue;
    struct stat st {};
    if (::stat(v.source.c_str(), &st) != 0)
      return "volume `" + v.to_string() + "`: host path " + v.source + ": " +
             std::strerror(errno) + " (a bind mount needs it on this peer)";
  }
  return {};
}

std::string volumes_unsupported(const config::ServiceSpec& spec, const std::string& driver) {
  if (spec.volumes.empty()) return {};
  return "service " + spec.name + ": the " + driver + " driver cannot mount volumes (" +
         std::to_string(spec.volumes.size()) + " in the spec, first `" +
         spec.volumes.front().to_string() +
         "`); run it on peers with runtime.driver = \"docker\" (e.g. a placement constraint on a "
         "label those peers have)";
}

}  // namespace shoal::runtime
