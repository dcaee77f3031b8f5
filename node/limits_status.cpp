#include "node/limits_status.hpp"

namespace shoal::node {

nlohmann::json limits_json(const runtime::CgroupSetup& s) {
  nlohmann::json j{{"mode", s.mode}};
  if (s.mode == "none") j["error"] = s.why;
  return j;
}

std::string limits_warning(const runtime::CgroupSetup& s) {
  if (s.mode != "none") return {};
  return "resources (cpu, memory) of process instances are not enforced on this host: " + s.why;
}

}  // namespace shoal::node
