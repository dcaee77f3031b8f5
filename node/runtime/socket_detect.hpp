// Finding the container engine's API socket: runtime.socket when given, else $DOCKER_HOST
// (unix:// only), /var/run/docker.sock, /run/podman/podman.sock, the first that is a socket.
#pragma once

#include <string>
#include <vector>

#include "node/runtime/result.hpp"

namespace shoal::runtime {

// The well-known socket paths tried after $DOCKER_HOST, in order.
std::vector<std::string> default_socket_candidates();

// `configured` (with or without "unix://") wins as is, even when it does not exist yet: the
// engine may come up later. Otherwise `docker_host` (the value of $DOCKER_HOST, may be null or
// empty; a non-unix:// value is an error) and then `candidates`, the first that is a unix
// socket now. Errors name every path tried.
Result<std::string> detect_docker_socket(const std::string& configured, const char* docker_host,
                                         const std::vector<std::string>& candidates);

// The same with getenv("DOCKER_HOST") and default_socket_candidates().
Result<std::string> detect_docker_socket(const std::string& configured);

}  // namespace shoal::runtime
