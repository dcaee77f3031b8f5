// Reading and writing the small files of a cgroup tree (before fork only: they allocate).
#pragma once

#include <string>

namespace shoal::runtime {

// The whole file, "" when it cannot be read.
std::string read_cgroup_file(const std::string& path);
// One write(2) of the whole value (a cgroup file takes a value per write); empty on success,
// else "cannot write PATH: reason" (a short write is EIO).
std::string write_cgroup_value(const std::string& path, const std::string& value);
// `name` is one of the space-separated words of `controllers` (cgroup.controllers,
// cgroup.subtree_control).
bool controller_listed(const std::string& controllers, const std::string& name);

}  // namespace shoal::runtime
