#include "node/runtime/cgroup_instance.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "node/runtime/cgroup_limits.hpp"

namespace shoal::runtime {

namespace {

bool plain_name(const std::string& id) {
  return !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos &&
         id.find('\0') == std::string::npos;
}

// Makes `dir` (one of the instance's) and writes `files` there; the error, else empty.
std::string add_dir(InstanceCgroups& g, const std::string& dir,
                    const std::vector<LimitFile>& files) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return "cannot create cgroup " + dir + ": " + std::strerror(errno);
  g.dirs.push_back(dir);
  return write_limit_files(files);
}

std::string make_all(InstanceCgroups& g, const CgroupSetup& s, const std::string& id,
                     const config::Resources& r) {
  const bool v2_limits = s.mode == "cgroup2" && g.limited;
  if (!s.v2_dir.empty()) {
    const std::string dir = s.v2_dir + "/" + id;
    std::string e = add_dir(g, dir, v2_limits ? v2_limit_files(dir, r) : std::vector<LimitFile>{});
    if (!e.empty() && v2_limits) return e;  // else: membership only, the process group does
    if (v2_limits && r.memory_mib > 0) g.oom_file = dir + "/memory.events";
  }
  if (s.mode != "cgroup1") return {};
  if (r.cpu_milli > 0) {
    const std::string dir = s.v1_cpu + "/" + id;
    if (std::string e = add_dir(g, dir, v1_cpu_files(dir, r.cpu_milli)); !e.empty()) return e;
  }
  if (r.memory_mib > 0) {
    const std::string dir = s.v1_memory + "/" + id;
    if (std::string e = add_dir(g, dir, v1_memory_files(dir, r.memory_mib)); !e.empty()) return e;
    g.oom_file = dir + "/memory.oom_control";
  }
  return {};
}

}  // namespace

Result<InstanceCgroups> make_instance_cgroups(const CgroupSetup& s, const std::string& id,
                                              const config::Resources& r) {
  if (!plain_name(id)) return Error{"invalid instance id for a cgroup: '" + id + "'"};
  InstanceCgroups g;
  g.limited = s.mode != "none" && (r.cpu_milli > 0 || r.memory_mib > 0);
  if (std::string e = make_all(g, s, id, r); !e.empty()) {
    remove_instance_cgroups(g);
    return Error{"resources: " + e};
  }
  return g;
}

void remove_instance_cgroups(const InstanceCgroups& g) {
  for (const auto& d : g.dirs) ::rmdir(d.c_str());
}

}  // namespace shoal::runtime
