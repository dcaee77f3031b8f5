#include "node/runtime/cgroup_delegate.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shoal::runtime {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool has_both(const std::string& words) {
  std::istringstream in(words);
  bool cpu = false, memory = false;
  for (std::string w; in >> w;) {
    cpu = cpu || w == "cpu" || w == "+cpu";
    memory = memory || w == "memory" || w == "+memory";
  }
  return cpu && memory;
}

std::string write_value(const std::string& path, const std::string& value) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  const bool ok = fd >= 0 && ::write(fd, value.data(), value.size()) ==
                                 static_cast<ssize_t>(value.size());
  const int e = errno;
  if (fd >= 0) ::close(fd);
  return ok ? std::string() : "cannot write " + path + ": " + std::strerror(e);
}

// The first process in `own` that is not `pid`, or 0.
long other_process(const std::string& own, long pid) {
  std::istringstream in(read_text(own + "/cgroup.procs"));
  for (long p; in >> p;)
    if (p != pid) return p;
  return 0;
}

}  // namespace

std::string delegate_v2_controllers(const std::string& own, long pid) {
  // The root (it alone has no cgroup.type; a container's "/" has one) passes them on anyway.
  if (::access((own + "/cgroup.type").c_str(), F_OK) != 0) return {};
  if (has_both(read_text(own + "/cgroup.subtree_control"))) return {};
  if (!has_both(read_text(own + "/cgroup.controllers")))
    return "the agent's cgroup " + own + " is not offered cpu and memory (cgroup.controllers; "
           "a service manager delegates them, e.g. systemd Delegate=yes)";
  if (long other = other_process(own, pid); other != 0)
    return "the agent's cgroup " + own + " holds process " + std::to_string(other) +
           " besides the agent, so it cannot pass cpu and memory on";
  const std::string leaf = own + "/agent";
  if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST)
    return "cannot create " + leaf + ": " + std::strerror(errno);
  if (std::string e = write_value(leaf + "/cgroup.procs", std::to_string(pid)); !e.empty())
    return e;
  return write_value(own + "/cgroup.subtree_control", "+cpu +memory");
}

}  // namespace shoal::runtime
