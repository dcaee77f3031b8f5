#include "node/peer/canary.hpp"

#include <algorithm>

#include "gossip/bytes.hpp"
#include "node/peer/hash_record.hpp"
#include "node/peer/spec_history.hpp"
#include "placement/rollout.hpp"
#include "placement/spec_hash.hpp"

namespace shoal::node {

using J = nlohmann::json;

std::string promoted_key(const std::string& service) {
  return std::string(kDeployPrefix) + service + "/promoted";
}

std::string encode_promotion(const std::string& hash) {
  return encode_hash_record("promoted", hash);
}

std::optional<std::string> decode_promoted(std::string_view bytes) {
  return decode_hash_record(bytes, "promoted");
}

namespace {

std::optional<std::string> live_text(const gossip::Store& store, const std::string& key) {
  const gossip::Entry* e = store.find(key);
  if (e == nullptr || e->deleted) return std::nullopt;
  return gossip::bytes_to_string(e->value);
}

bool released(const config::ServiceSpec& spec, const gossip::Store& store, const Reverts& reverts) {
  if (reverts.count(spec.name)) return true;
  if (auto p = live_text(store, promoted_key(spec.name)))
    if (decode_promoted(*p) == placement::spec_hash(spec)) return true;
  if (auto v = live_text(store, "spec/" + spec.name)) return read_record(*v).revert_of.has_value();
  return false;
}

}  // namespace

void release_canaries(std::vector<config::ServiceSpec>& running, const gossip::Store& store,
                      const Reverts& reverts) {
  for (auto& spec : running)
    if (placement::canaries_of(spec) > 0 && released(spec, store, reverts)) spec.update->canary = 0;
}

int canaries_held(const config::ServiceSpec& spec, int instances) {
  return std::min(placement::canaries_of(spec), std::max(instances, 0));
}

J awaiting_json(const std::vector<config::ServiceSpec>& running, const Reverts& reverts,
                const placement::Assignment& assignment,
                const std::map<std::string, placement::PeerStatus>& statuses) {
  std::vector<const config::ServiceSpec*> held;
  for (const auto& s : running)
    if (placement::canaries_of(s) > 0) held.push_back(&s);
  std::sort(held.begin(), held.end(), [](auto* a, auto* b) { return a->name < b->name; });
  J out = J::array();
  for (const auto* s : held) {
    if (deployment_outcome(*s, reverts, assignment, statuses) != "awaiting_promotion") continue;
    const auto n = static_cast<int>(rollout_reports(s->name, assignment, statuses).size());
    out.push_back(J{{"service", s->name},
                    {"version", placement::spec_hash(*s)},
                    {"canaries", canaries_held(*s, n)}});
  }
  return out;
}

PromotePlan plan_promote(const std::string& service, const config::ServiceSpec* running,
                         const std::string& outcome) {
  if (running == nullptr) return {404, "no service `" + service + "`", "", "", ""};
  if (outcome != "awaiting_promotion") {
    std::string why = "service `" + service + "` is not waiting for promotion (deployment: " +
                      (outcome.empty() ? std::string("none, it has no update policy") : outcome);
    if (placement::canaries_of(*running) == 0) {
      why += "; no canaries are held: update.canary is 0, or this version was promoted or reverted";
    } else if (outcome == "rolling") {
      why += "; its canaries are not all healthy yet";
    }
    return {409, why + ")", "", "", ""};
  }
  const std::string hash = placement::spec_hash(*running);
  return {200, "", promoted_key(service), encode_promotion(hash), hash};
}

}  // namespace shoal::node
