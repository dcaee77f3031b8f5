// Auto-revert without a coordinator (DESIGN "Deployments"). The verdict on a version is the
// rollout rule's (placement/rollout.hpp), a pure function of the statuses every peer sees; once a
// peer derives `failed` for the version in spec/<name> it latches it as deploy/<name> (any peer
// may write it; equal verdicts from many peers converge by last-writer-wins), because once the
// failed copies are replaced their statuses, and the evidence, are gone.
//   deploy/<name>: {"v":1,"failed":SPEC_HASH}
// Every peer then runs, for a service whose spec in force has update.auto_revert, whose hash
// deploy/<name> names failed, and whose value carries a last_good (node/peer/spec_history.hpp)
// that passes the spec gate: that last good spec instead. spec/<name> (and the services file)
// keep the failed version; a new value (another hash) is a new deployment, as the key names the
// failed hash only. Older peers ignore deploy/ keys and keep running spec/<name> as it is.
// Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/spec.hpp"
#include "config/validate_spec.hpp"
#include "gossip/store.hpp"
#include "placement/rollout.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::node {

inline constexpr std::string_view kDeployPrefix = "deploy/";

std::string encode_verdict(const std::string& failed_hash);
std::optional<std::string> decode_failed(std::string_view bytes);  // the failed hash

// A service running its last good version instead of the failed one in spec/<name>.
struct Reverted {
  std::string from;  // spec hash of the failed version (spec/<name>)
  std::string to;    // spec hash of what runs (its last_good)
  bool operator==(const Reverted&) const = default;
};
using Reverts = std::map<std::string, Reverted>;

// [{"service","from","to"}] (`shoal status`'s "reverted"), by service name.
nlohmann::json reverts_json(const Reverts& reverts);

// `gated` (the gate's accepted specs, as SpecGate::specs) with every reverted service replaced
// by its last good spec; `reverts` (if given) receives which (and only those). The canary
// hold is lifted where node/peer/canary.hpp says so.
std::vector<config::ServiceSpec> running_specs(std::vector<config::ServiceSpec> gated,
                                               const gossip::Store& store, Reverts* reverts = nullptr,
                                               const config::SpecLimits& limits = {});

// Every placed instance of `service` as its owner reports it, in id order (for the rollout rule).
std::vector<placement::RolloutReport> rollout_reports(
    const std::string& service, const placement::Assignment& assignment,
    const std::map<std::string, placement::PeerStatus>& statuses);

// The deployment of `spec` in this view: "rolling", "healthy", "failed", "awaiting_promotion"
// (its canaries are done: node/peer/canary.hpp), or "reverted" when it is in `reverts` (then
// `spec` is the one that runs).
std::string deployment_outcome(const config::ServiceSpec& spec, const Reverts& reverts,
                               const placement::Assignment& assignment,
                               const std::map<std::string, placement::PeerStatus>& statuses);

// The deploy/<name> keys this peer should write now: (key, value) for every auto_revert service
// (of `running`, not reverted) whose version is failed in this view while the key does not say
// so already.
std::vector<std::pair<std::string, std::string>> verdicts_due(
    const std::vector<config::ServiceSpec>& running, const Reverts& reverts,
    const placement::Assignment& assignment,
    const std::map<std::string, placement::PeerStatus>& statuses, const gossip::Store& store);

}  // namespace shoal::node
