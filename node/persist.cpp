#include "node/persist.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace shoal::node {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return s.str();
}

std::string make_dirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return path + ": " + ec.message();
  return "";
}

namespace {

std::string octal(mode_t m) {
  char b[8];
  std::snprintf(b, sizeof b, "%04o", static_cast<unsigned>(m & 07777));
  return b;
}

}  // namespace

std::string write_file_atomic(const std::string& path, const std::string& data, FileMode mode) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  struct stat old;
  const bool existed = ::stat(path.c_str(), &old) == 0 && S_ISREG(old.st_mode);
  mode_t want = 0600;
  if (existed) {
    want = old.st_mode & 07777;
    if (mode == FileMode::private_file) want &= 07700;
  }
  // Created 0600 (umask can only narrow it), so no one else can open it before the fchmod.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return tmp + ": " + std::strerror(errno);
  if (existed && (old.st_uid != ::geteuid() || old.st_gid != ::getegid())) {
    [[maybe_unused]] int ignored = ::fchown(fd, old.st_uid, old.st_gid);  // best effort
  }
  if (::fchmod(fd, want) != 0) {
    std::string e = tmp + ": chmod " + octal(want) + ": " + std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string e = tmp + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    std::string e = tmp + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string e = path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return e;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return "";
}

std::string make_private_dir(const std::string& path, std::string& warning) {
  warning.clear();
  struct stat st;
  const bool existed = ::stat(path.c_str(), &st) == 0;
  if (std::string e = make_dirs(path); !e.empty()) return e;
  if (::stat(path.c_str(), &st) != 0) return path + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return path + ": not a directory";
  if ((st.st_mode & 077) == 0) return "";
  if (::chmod(path.c_str(), 0700) != 0) {
    return path + ": cannot make it private (chmod 0700): " + std::strerror(errno);
  }
  if (existed) {
    warning = path + " was mode " + octal(st.st_mode) +
              " (readable by others): now 0700, as every file in it is private";
  }
  return "";
}

std::string loose_mode_warning(const std::string& path, const std::string& what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return "";
  return what + " " + path + " is mode " + octal(st.st_mode) +
         ": group or others may read it; run `chmod 600 " + path + "`";
}

}  // namespace shoal::node
