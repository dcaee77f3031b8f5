// Deployments on the peer's API and in its store (DESIGN "Deployments"): GET /v1/history/<name>,
// POST /v1/revert and POST /v1/promote (writes: the API guard lets them through as it does
// /v1/apply), and the latch of failed versions as deploy/<name> (node/peer/auto_revert.hpp).
// The rules are node/peer's; this holds the hooks into the agent. Io thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/spec.hpp"
#include "gossip/engine.hpp"
#include "node/http.hpp"
#include "node/peer/auto_revert.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::node {

class DesiredState;

class DeployApi {
 public:
  using Statuses = std::map<std::string, placement::PeerStatus>;
  DeployApi(gossip::Engine& gossip, const DesiredState& desired,
            std::function<Statuses()> statuses, std::function<gossip::Clock()> now,
            std::function<void()> changed)
      : gossip_(gossip), desired_(desired), statuses_(std::move(statuses)), now_(std::move(now)),
        changed_(std::move(changed)) {}

  HttpResponse history(const std::string& service) const;
  // {"service","to"?} -> {"service","version","from","to","peer"}
  HttpResponse revert(const HttpRequest& r);
  // {"service"} -> {"service","version","peer"}: writes deploy/<name>/promoted
  // (node/peer/canary.hpp) when the deployment awaits promotion in this view, else 409.
  HttpResponse promote(const HttpRequest& r);
  // `shoal status`'s "awaiting_promotion": [{"service","version","canaries"}].
  nlohmann::json awaiting_promotion() const;
  // Writes deploy/<name> for each auto_revert version failed in this view (`running` and
  // `assignment`: DesiredState's); true when it did.
  bool latch_failed(const std::vector<config::ServiceSpec>& running,
                    const placement::Assignment& assignment);
  // The deployment of `service` in force in this view ("" when it has no spec).
  std::string outcome(const std::string& service) const;

 private:
  void put(const std::string& key, const std::string& value);

  gossip::Engine& gossip_;
  const DesiredState& desired_;
  std::function<Statuses()> statuses_;
  std::function<gossip::Clock()> now_;
  std::function<void()> changed_;
};

}  // namespace shoal::node
