// Volumes of a service file (`volumes = ["data:/data", "/srv/x:/x:ro"]`): the split of one
// entry into a config::Volume and its checks, which the one validator (validate_spec.cpp)
// calls for every spec, from a file or from gossip. Pure.
//
// Bounds: at most 64 volumes; a name [a-zA-Z0-9][a-zA-Z0-9_.-]* of at most 255 bytes (what
// Docker and Podman accept); a host path or target absolute, at most 4,096 bytes, no `..`
// component, no control character; target not `/` and not used twice; options "", ro or rw.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/spec.hpp"
#include "config/validate_spec.hpp"

namespace shoal::config {

inline constexpr std::size_t kMaxVolumes = 64;

// SOURCE is the text before the first ':', TARGET up to the next ':', OPTIONS the rest (so a
// third ':' lands in OPTIONS and is refused there). Never fails: the checks say what is wrong.
Volume parse_volume(std::string_view text);

// Empty when `path` is an absolute path within the bounds above, else why not ("must be an
// absolute path"); for host paths of a peer file too (runtime.bind_roots).
std::string path_problem(std::string_view path);

// Every problem of a service's volumes, each with its field ("volumes" or "volumes[2]").
std::vector<SpecIssue> check_volumes(const std::vector<Volume>& volumes);

}  // namespace shoal::config
