#include "node/runtime/cgroup_setup.hpp"

#include "node/runtime/cgroup_files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "node/runtime/cgroup.hpp"
#include "node/runtime/cgroup_delegate.hpp"
#include "node/runtime/cgroup_limits.hpp"

namespace shoal::runtime {

namespace {

bool in_list(const std::string& list, const std::string& name) {
  std::istringstream items(list);
  for (std::string i; std::getline(items, i, ',');)
    if (i == name) return true;
  return false;
}

// A v1 mount of `controller` in mountinfo ("32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup
// rw,cpu"): its root in the hierarchy and its mount point.
bool v1_mount(const std::string& mountinfo, const std::string& controller, std::string* root,
              std::string* point) {
  std::istringstream lines(mountinfo);
  for (std::string line; std::getline(lines, line);) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 7, "cgroup ") != 0) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string type, source, options;
    if (!(tail >> type >> source >> options) || !in_list(options, controller)) continue;
    std::istringstream f(line.substr(0, dash));
    std::string id, parent, dev;
    if (f >> id >> parent >> dev >> *root >> *point) return true;
  }
  return false;
}

// This process's cgroup in the v1 hierarchy of `controller` ("4:memory:/x" or "2:cpu,cpuacct:/").
std::string v1_own(const std::string& self_cgroup, const std::string& controller) {
  std::istringstream lines(self_cgroup);
  for (std::string line; std::getline(lines, line);) {
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b != std::string::npos && in_list(line.substr(a + 1, b - a - 1), controller))
      return line.substr(b + 1);
  }
  return {};
}

std::string make_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return "cannot create " + dir + ": " + std::strerror(errno);
  return {};
}

}  // namespace

V1Base find_v1_base(const std::string& mountinfo, const std::string& self_cgroup,
                    const std::string& controller) {
  std::string root, point;
  if (!v1_mount(mountinfo, controller, &root, &point))
    return {{}, "no cgroup v1 " + controller + " hierarchy is mounted"};
  std::string own = v1_own(self_cgroup, controller);
  if (own.empty() || own[0] != '/' || own.find("/..") != std::string::npos)
    return {{}, "no cgroup v1 " + controller + " membership in /proc/self/cgroup"};
  // A mount of a subtree (a container's): the path below its root.
  if (root != "/" && own.rfind(root, 0) == 0) own = own.substr(root.size());
  const std::string dir = point + (own == "/" || own.empty() ? "" : own) + "/shoal";
  if (std::string e = make_dir(dir); !e.empty()) return {{}, e};
  if (::access((dir + "/cgroup.procs").c_str(), W_OK) != 0)
    return {{}, dir + " is not a writable cgroup: " + std::strerror(errno)};
  return {dir, {}};
}

namespace {

// This peer's folder below `base`, created; empty and `why` set when not.
std::string peer_dir(const std::string& base, const std::string& data_dir, std::string* why) {
  const std::string dir = peer_cgroup_dir(base, data_dir);
  if (std::string e = make_dir(dir); !e.empty()) {
    *why = e;
    return {};
  }
  remove_empty_cgroups(dir, false);  // what killed supervisors left
  return dir;
}

// The cgroup v1 mode: both controllers usable, else `why`.
bool set_up_v1(CgroupSetup& s, const std::string& data_dir, std::string* why) {
  const std::string mountinfo = read_cgroup_file("/proc/self/mountinfo");
  const std::string self = read_cgroup_file("/proc/self/cgroup");
  V1Base cpu = find_v1_base(mountinfo, self, "cpu");
  V1Base mem = find_v1_base(mountinfo, self, "memory");
  if (cpu.dir.empty() || mem.dir.empty()) {
    *why = cpu.dir.empty() ? cpu.error : mem.error;
    return false;
  }
  if (std::string e = cgroup_join_refused(mem.dir); !e.empty()) {
    *why = e;
    return false;
  }
  s.v1_cpu = peer_dir(cpu.dir, data_dir, why);
  s.v1_memory = s.v1_cpu.empty() ? std::string() : peer_dir(mem.dir, data_dir, why);
  return !s.v1_memory.empty();
}

}  // namespace

CgroupSetup set_up_cgroups(const std::string& dir) {
  // Absolute as the process driver makes it (the folder names hash it).
  char cwd[4096];
  const std::string data_dir = !dir.empty() && dir[0] != '/' && ::getcwd(cwd, sizeof cwd)
                                   ? std::string(cwd) + "/" + dir
                                   : dir;
  CgroupSetup s;
  std::string why2;
  const CgroupBase base = find_cgroup_base();
  if (!base.dir.empty()) s.v2_dir = peer_dir(base.dir, data_dir, &s.v2_error);
  else s.v2_error = base.error;
  if (s.v2_dir.empty()) why2 = s.v2_error;
  else why2 = delegate_v2_controllers(base.own, ::getpid());
  if (why2.empty()) why2 = enable_v2_limits(base.dir, s.v2_dir);
  if (why2.empty()) {
    s.mode = "cgroup2";
    return s;
  }
  std::string why1;
  if (set_up_v1(s, data_dir, &why1)) {
    s.mode = "cgroup1";
    return s;
  }
  s.v1_cpu.clear();
  s.v1_memory.clear();
  s.why = "cgroup2: " + why2 + "; cgroup1: " + why1;
  return s;
}

std::vector<std::string> peer_cgroup_dirs(const std::string& data_dir) {
  const std::string mountinfo = read_cgroup_file("/proc/self/mountinfo");
  const std::string self = read_cgroup_file("/proc/self/cgroup");
  std::vector<std::string> out;
  if (auto b = find_cgroup_base(mountinfo, self); !b.dir.empty())
    out.push_back(peer_cgroup_dir(b.dir, data_dir));
  for (const char* c : {"cpu", "memory"})
    if (auto b = find_v1_base(mountinfo, self, c); !b.dir.empty())
      out.push_back(peer_cgroup_dir(b.dir, data_dir));
  return out;
}

std::string describe_limits(const CgroupSetup& s) {
  if (s.mode == "none") return "none: " + s.why;
  return s.mode + " (cpu and memory limits)";
}

}  // namespace shoal::runtime
