// The file side of the unix-socket API (POSIX, no Asio): making room for the socket, giving it
// its mode and group (file permissions are the API's authority there), removing it, and the
// CLI's "is a peer listening there" probe.
#pragma once

#include <string>

namespace shoal::node {

// Longest path a sockaddr_un holds (without its terminating NUL).
constexpr std::size_t kMaxUnixPath = 107;

// Makes `path` free for a new socket: its folder created when missing, and nothing there, or a
// socket nobody listens on any more (a stale one, left by a peer that was killed: removed).
// Empty on success, else why not: too long, not a socket (never removed), or a live socket
// (another agent serves it).
std::string prepare_socket_path(const std::string& path);

// chmod 0660 and, when `group` is not empty, that group (looked up by name). Empty on success.
std::string secure_socket(const std::string& path, const std::string& group);

// A warning when members of `group` (or, with no group, the agent's group) cannot reach `path`
// because its folder is not searchable by them; "" otherwise.
std::string socket_reach_warning(const std::string& path, const std::string& group);

// Whether a connect() to the unix socket at `path` succeeds now (this process may use it).
bool unix_socket_connectable(const std::string& path);

}  // namespace shoal::node
