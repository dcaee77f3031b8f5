// What the process driver enforces of a service's `resources`, as /v1/status shows it under
// runtime.limits: {"mode": "cgroup2" | "cgroup1"} or {"mode": "none", "error": why}
// (node/runtime/cgroup_setup.hpp), and the warning the agent logs once at start without them.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "node/runtime/cgroup_setup.hpp"

namespace shoal::node {

nlohmann::json limits_json(const runtime::CgroupSetup& s);

// The line to log at start: a warning when limits are not enforced, else empty.
std::string limits_warning(const runtime::CgroupSetup& s);

}  // namespace shoal::node
