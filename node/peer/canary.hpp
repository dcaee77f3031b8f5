// Canaries without a coordinator (DESIGN "Deployments"; Nomad's `canary`). A service whose
// update policy has canary = N > 0 is held: the rollout rule (placement/rollout.hpp) replaces
// only its N lowest-ranked instances, so N copies of a new version run beside the old ones, and
// its deployment reads `awaiting_promotion` once they are done. `shoal promote SERVICE` (POST
// /v1/promote) then writes, from any peer,
//   deploy/<name>/promoted: {"v":1,"promoted":SPEC_HASH}
// and every peer, reading the same key, lifts the hold for that hash (the spec it runs gets
// canary = 0): the rollout goes on from rank N. The key names a hash, so the next version (another
// hash) is held again; a service name has no '/', so the key never meets deploy/<name>, the
// latch of failed versions, and a promotion never clobbers a failure (or back).
// No hold either for a service that runs its last good version (auto-revert: its canaries of
// the failed version must go at once) or whose value a `shoal revert` wrote (revert_of): a way
// back is never held. Older peers ignore the key and never hold (they roll the version out as
// if canary were 0). Pure.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/spec.hpp"
#include "gossip/store.hpp"
#include "node/peer/auto_revert.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::node {

std::string promoted_key(const std::string& service);
std::string encode_promotion(const std::string& hash);
std::optional<std::string> decode_promoted(std::string_view bytes);  // the promoted hash

// Lifts the hold (update.canary = 0) of every spec in `running` (running_specs' result) that
// is reverted (in `reverts`), whose spec/<name> value is a revert, or whose promotion names
// its hash.
void release_canaries(std::vector<config::ServiceSpec>& running, const gossip::Store& store,
                      const Reverts& reverts);

// The canaries `spec` (as it runs) waits with: update.canary capped at `instances`; 0 when
// no hold is in force.
int canaries_held(const config::ServiceSpec& spec, int instances);

// [{"service","version","canaries"}] (`shoal status`'s "awaiting_promotion"), by name: the
// services of `running` whose deployment awaits promotion in this view.
nlohmann::json awaiting_json(const std::vector<config::ServiceSpec>& running, const Reverts& reverts,
                             const placement::Assignment& assignment,
                             const std::map<std::string, placement::PeerStatus>& statuses);

struct PromotePlan {
  int status = 200;  // 200, else 404 (no such service) or 409 (not awaiting promotion)
  std::string error;
  std::string key, value;  // what to write
  std::string hash;        // the version promoted
};

// What `shoal promote SERVICE` writes, given the spec that runs (nullptr: none) and its
// deployment in this view: only a deployment awaiting promotion may be promoted; anything else
// is refused, saying why.
PromotePlan plan_promote(const std::string& service, const config::ServiceSpec* running,
                         const std::string& outcome);

}  // namespace shoal::node
