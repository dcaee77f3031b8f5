// A service's volumes as the Engine API's HostConfig.Mounts (Docker and Podman): a named
// volume is {"Type": "volume"} (the engine creates it on first use and keeps it on this host
// after the container is gone), a host path {"Type": "bind"} (refused by the engine when the
// path does not exist: see missing_host_path). The spec passed the validator.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/spec.hpp"

namespace shoal::runtime {

nlohmann::json docker_mounts(const std::vector<config::Volume>& volumes);

// The first bind source that is not a directory or file on this host, as an error message
// (empty when all exist). Checked before the engine sees them: Docker refuses a missing source
// of a bind mount but Podman creates it empty, and a database started on an empty directory
// in place of its data initialises a fresh one. Not permanent: the path may appear.
std::string missing_host_path(const std::vector<config::Volume>& volumes);

// The first bind source that is not at or below one of `roots` (runtime.bind_roots), both
// with symlinks resolved, as an error message (empty when all are allowed or there is no
// bind). Permanent: only the peer's own file can allow it.
std::string bind_outside_roots(const std::vector<config::Volume>& volumes,
                               const std::vector<std::string>& roots);

// Why a driver without mounts cannot run a spec with volumes (empty when it has none).
std::string volumes_unsupported(const config::ServiceSpec& spec, const std::string& driver);

}  // namespace shoal::runtime
