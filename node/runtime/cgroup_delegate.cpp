#include "node/runtime/cgroup_delegate.hpp"

#include "node/runtime/cgroup_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shoal::runtime {

namespace {

// Both controllers listed ("+cpu" as written to a subtree_control counts too).
bool has_both(const std::string& words) {
  auto listed = [&](const std::string& c) {
    return controller_listed(words, c) || controller_listed(words, "+" + c);
  };
  return listed("cpu") && listed("memory");
}

// The first process in `own` that is not `pid`, or 0.
long other_process(const std::string& own, long pid) {
  std::istringstream in(read_cgroup_file(own + "/cgroup.procs"));
  for (long p; in >> p;)
    if (p != pid) return p;
  return 0;
}

}  // namespace

std::string delegate_v2_controllers(const std::string& own, long pid) {
  // The root (it alone has no cgroup.type; a container's "/" has one) passes them on anyway.
  if (::access((own + "/cgroup.type").c_str(), F_OK) != 0) return {};
  if (has_both(read_cgroup_file(own + "/cgroup.subtree_control"))) return {};
  if (!has_both(read_cgroup_file(own + "/cgroup.controllers")))
    return "the agent's cgroup " + own + " is not offered cpu and memory (cgroup.controllers; "
           "a service manager delegates them, e.g. systemd Delegate=yes)";
  if (long other = other_process(own, pid); other != 0)
    return "the agent's cgroup " + own + " holds process " + std::to_string(other) +
           " besides the agent, so it cannot pass cpu and memory on";
  const std::string leaf = own + "/agent";
  if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST)
    return "cannot create " + leaf + ": " + std::strerror(errno);
  if (std::string e = write_cgroup_value(leaf + "/cgroup.procs", std::to_string(pid)); !e.empty())
    return e;
  return write_cgroup_value(own + "/cgroup.subtree_control", "+cpu +memory");
}

}  // namespace shoal::runtime
