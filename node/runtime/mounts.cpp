#include "node/runtime/mounts.hpp"

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
