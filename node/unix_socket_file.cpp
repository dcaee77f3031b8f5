#include "node/unix_socket_file.hpp"

#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace shoal::node {

bool unix_socket_connectable(const std::string& path) {
  if (path.empty() || path.size() > kMaxUnixPath) return false;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::memcpy(a.sun_path, path.data(), path.size());
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string prepare_socket_path(const std::string& path) {
  if (path.size() > kMaxUnixPath) {
    return path + ": longer than " + std::to_string(kMaxUnixPath) +
           " bytes, the limit of a unix socket path (set a shorter api.socket)";
  }
  const auto dir = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (ec) return dir.string() + ": " + ec.message();
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? "" : path + ": " + std::strerror(errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return path + ": exists and is not a socket (not removed; move it or set api.socket)";
  }
  if (unix_socket_connectable(path)) {
    return path + ": another process serves this socket (is another `shoal agent` running with "
                  "this data_dir?)";
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return path + ": cannot remove the stale socket: " + std::strerror(errno);
  }
  return "";
}

std::string secure_socket(const std::string& path, const std::string& group) {
  if (!group.empty()) {
    std::vector<char> buf(16384);
    struct group g{};
    struct group* found = nullptr;
    int rc = ::getgrnam_r(group.c_str(), &g, buf.data(), buf.size(), &found);
    if (rc != 0 || found == nullptr) {
      return "api.socket_group: no group named `" + group + "` on this host";
    }
    if (::chown(path.c_str(), static_cast<uid_t>(-1), g.gr_gid) != 0) {
      return path + ": cannot give it to group `" + group + "`: " + std::strerror(errno);
    }
  }
  if (::chmod(path.c_str(), 0660) != 0) {
    return path + ": cannot set mode 0660: " + std::strerror(errno);
  }
  return "";
}

std::string socket_reach_warning(const std::string& path, const std::string& group) {
  if (group.empty()) return "";
  const std::string dir = std::filesystem::path(path).parent_path().string();
  struct stat st;
  if (dir.empty() || ::stat(dir.c_str(), &st) != 0) return "";
  if ((st.st_mode & 0011) != 0) return "";
  return "api.socket_group `" + group + "`: its members cannot reach " + path + " because " +
         dir + " is private to its owner; set api.socket to a path in a folder they can search "
               "(e.g. /run/shoal/api.sock)";
}

}  // namespace shoal::node
