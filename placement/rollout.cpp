#include "placement/rollout.hpp"

#include <algorithm>
#include <cstddef>

#include "placement/instance_state.hpp"

namespace shoal::placement {

RolloutClass classify(const RolloutReport& r, const config::ServiceSpec& spec,
                      const std::string& hash) {
  if (!r.reported) return RolloutClass::not_ready;
  if (r.spec_hash != hash)
    return is_live_copy(r.state) ? RolloutClass::stale : RolloutClass::not_ready;
  if (!is_ready(r.state, spec)) return RolloutClass::not_ready;
  return r.settled.value_or(true) ? RolloutClass::done : RolloutClass::not_ready;
}

std::vector<InstanceId> replaceable_now(const config::ServiceSpec& spec, const std::string& hash,
                                        const std::vector<RolloutReport>& reports) {
  const int parallelism = spec.update ? spec.update->parallelism : 1;
  const auto p = static_cast<std::size_t>(std::max(parallelism, 1));
  std::vector<RolloutClass> cls;
  cls.reserve(reports.size());
  std::size_t not_ready = 0;
  std::size_t first_not_done = reports.size();
  for (std::size_t i = 0; i < reports.size(); ++i) {
    cls.push_back(classify(reports[i], spec, hash));
    if (cls.back() == RolloutClass::not_ready) ++not_ready;
    if (cls.back() != RolloutClass::done && first_not_done == reports.size()) first_not_done = i;
  }
  std::vector<InstanceId> out;
  if (not_ready >= p) return out;
  std::size_t slots = p - not_ready;
  // The window: ranks below first_not_done + p (every rank <= r - p is done).
  std::size_t end = std::min(reports.size(), first_not_done + p);
  // Canaries: nothing past the first `canary` ranks until the version is promoted.
  if (const int c = canaries_of(spec); c > 0) end = std::min(end, static_cast<std::size_t>(c));
  for (std::size_t i = first_not_done; i < end && slots > 0; ++i) {
    if (cls[i] != RolloutClass::stale) continue;
    out.push_back(reports[i].id);
    --slots;
  }
  return out;
}

std::string_view to_string(Deployment d) {
  switch (d) {
    case Deployment::rolling: return "rolling";
    case Deployment::healthy: return "healthy";
    case Deployment::failed: return "failed";
    case Deployment::awaiting_promotion: return "awaiting_promotion";
  }
  return "rolling";
}

Deployment deployment_state(const config::ServiceSpec& spec, const std::string& hash,
                            const std::vector<RolloutReport>& reports) {
  const auto canaries = static_cast<std::size_t>(canaries_of(spec));
  bool all_done = true;
  bool canaries_done = canaries > 0;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    const RolloutReport& r = reports[i];
    if (r.reported && r.spec_hash == hash && r.overdue) return Deployment::failed;
    const bool done = classify(r, spec, hash) == RolloutClass::done;
    all_done = all_done && done;
    if (i < canaries) canaries_done = canaries_done && done;
  }
  if (all_done) return Deployment::healthy;
  return canaries_done ? Deployment::awaiting_promotion : Deployment::rolling;
}

}  // namespace shoal::placement
