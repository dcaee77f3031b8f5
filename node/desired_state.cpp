#include "node/desired_state.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "placement/contained.hpp"

namespace shoal::node {

DesiredState::DesiredState(const Peer& peer, int max_replicas)
    : peer_(peer), limits_{max_replicas}, gate_(limits_) {}

std::vector<config::ServiceSpec> DesiredState::specs() const {
  std::vector<InvalidSpec> fresh;
  auto out = gate_.specs(peer_.engine().state(), &fresh);
  for (const auto& b : fresh)
    spdlog::warn("spec/{} from {} refused: {}", b.service, b.origin, b.error);
  Reverts now;
  out = running_specs(std::move(out), peer_.engine().state(), &now, limits_);
  for (const auto& [svc, r] : now)
    if (!reverts_.count(svc)) spdlog::warn("{}: version {} failed, running {} again", svc, r.from, r.to);
  reverts_ = std::move(now);
  return out;
}

const placement::Assignment& DesiredState::placed(
    const std::vector<config::ServiceSpec>& specs) const {
  return cache_.get(peer_.engine().view_hash(), specs, peer_.avoid());
}

placement::Assignment DesiredState::place(const std::vector<config::ServiceSpec>& specs) const {
  ++placements_;
  const auto t0 = std::chrono::steady_clock::now();
  auto c = placement::place_contained(peer_.placement_view(specs));
  placement_seconds_.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  for (const auto& [svc, e] : c.failed)
    if (!failed_.count(svc)) spdlog::error("placing {} failed: {}", svc, e);
  failed_.clear();
  for (auto& [svc, e] : c.failed) failed_[svc] = "placement failed: " + e;
  return std::move(c.assignment);
}

nlohmann::json DesiredState::invalid_json() const {
  specs();  // refreshes the gate's list
  auto out = nlohmann::json::array();
  for (const auto& b : gate_.invalid())
    out.push_back({{"service", b.service}, {"origin", b.origin}, {"error", b.error}});
  for (const auto& [svc, e] : failed_)
    out.push_back({{"service", svc}, {"origin", nullptr}, {"error", e}});
  return out;
}

}  // namespace shoal::node
