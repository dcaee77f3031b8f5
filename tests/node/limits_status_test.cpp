// How the process driver's resource limits are shown: /v1/status runtime.limits, the line of
// `shoal status`, and the warning the agent logs at start when they are not enforced.
#include <catch2/catch.hpp>

#include "node/cli_client.hpp"
#include "node/limits_status.hpp"

using namespace shoal;
using Json = nlohmann::json;

TEST_CASE("limits status: the mode, and the reason when none", "[node][cli]") {
  runtime::CgroupSetup v1;
  v1.mode = "cgroup1";
  CHECK(node::limits_json(v1) == Json{{"mode", "cgroup1"}});
  CHECK(node::limits_warning(v1).empty());
  runtime::CgroupSetup none;
  none.why = "cgroup2: no cgroup2 filesystem is mounted; cgroup1: no cgroup v1 cpu hierarchy is mounted";
  CHECK(node::limits_json(none) == Json{{"mode", "none"}, {"error", none.why}});
  CHECK(node::limits_warning(none) ==
        "resources (cpu, memory) of process instances are not enforced on this host: " + none.why);

  Json s{{"name", "p0"}, {"runtime", {{"driver", "process"}, {"available", true}}}};
  CHECK(node::status_text(s).find("limits:") == std::string::npos);  // docker, or older peers
  s["runtime"]["limits"] = node::limits_json(v1);
  CHECK(node::status_text(s).find("\nlimits:     cgroup1\n") != std::string::npos);
  s["runtime"]["limits"] = node::limits_json(none);
  CHECK(node::status_text(s).find("\nlimits:     none: resources not enforced (" + none.why +
                                  ")\n") != std::string::npos);
}
