#include "node/runtime_health.hpp"

namespace shoal::node {

bool RuntimeHealth::update(const ExecReport& r) {
  if (!r.socket.empty()) socket_ = r.socket;
  const bool was = available_;
  available_ = r.available;
  error_ = r.error;
  checked_ = true;
  return !was && available_;
}

nlohmann::json RuntimeHealth::json() const {
  nlohmann::json j{{"driver", driver_}, {"available", available_}};
  if (driver_ == "docker") j["socket"] = socket_;
  if (!available_) j["error"] = error_;
  j["checked"] = checked_;
  return j;
}

}  // namespace shoal::node
