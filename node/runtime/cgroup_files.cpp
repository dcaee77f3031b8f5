#include "node/runtime/cgroup_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shoal::runtime {

std::string read_cgroup_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string write_cgroup_value(const std::string& path, const std::string& value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return "cannot write " + path + ": " + std::strerror(errno);
  const ssize_t w = ::write(fd, value.data(), value.size());
  const int e = errno;
  ::close(fd);
  if (w != static_cast<ssize_t>(value.size()))
    return "cannot write " + path + ": " + std::strerror(w < 0 ? e : EIO);
  return {};
}

bool controller_listed(const std::string& controllers, const std::string& name) {
  std::istringstream words(controllers);
  for (std::string w; words >> w;)
    if (w == name) return true;
  return false;
}

}  // namespace shoal::runtime
