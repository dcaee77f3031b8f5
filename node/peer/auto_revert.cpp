#include "node/peer/auto_revert.hpp"

#include <nlohmann/json.hpp>

#include "gossip/bytes.hpp"
#include "node/peer/canary.hpp"
#include "node/peer/hash_record.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/spec_history.hpp"
#include "placement/spec_hash.hpp"

namespace shoal::node {

using J = nlohmann::json;

std::string encode_verdict(const std::string& failed_hash) {
  return encode_hash_record("failed", failed_hash);
}

std::optional<std::string> decode_failed(std::string_view bytes) {
  return decode_hash_record(bytes, "failed");
}

J reverts_json(const Reverts& reverts) {
  J out = J::array();
  for (const auto& [svc, r] : reverts) out.push_back(J{{"service", svc}, {"from", r.from}, {"to", r.to}});
  return out;
}

namespace {

const gossip::Entry* live(const gossip::Store& store, const std::string& key) {
  const gossip::Entry* e = store.find(key);
  return e == nullptr || e->deleted ? nullptr : e;
}

}  // namespace

std::vector<config::ServiceSpec> running_specs(std::vector<config::ServiceSpec> gated,
                                               const gossip::Store& store, Reverts* reverts,
                                               const config::SpecLimits& limits) {
  Reverts mine;
  for (auto& spec : gated) {
    if (!spec.update || !spec.update->auto_revert) continue;
    const gossip::Entry* d = live(store, std::string(kDeployPrefix) + spec.name);
    if (d == nullptr) continue;
    const std::string hash = placement::spec_hash(spec);
    if (decode_failed(gossip::bytes_to_string(d->value)) != hash) continue;
    const gossip::Entry* e = live(store, "spec/" + spec.name);
    if (e == nullptr) continue;
    const SpecRecord rec = read_record(gossip::bytes_to_string(e->value));
    if (!rec.last_good) continue;
    // The last good version passes the same gate as any spec (it came from the wire too).
    GatedSpec good = gate_spec("spec/" + spec.name, *rec.last_good, limits);
    if (!good.spec) continue;
    const std::string to = placement::spec_hash(*good.spec);
    if (to == hash) continue;
    mine[spec.name] = {hash, to};
    spec = std::move(*good.spec);
  }
  release_canaries(gated, store, mine);  // a promoted version, or a way back, is not held
  if (reverts) *reverts = std::move(mine);
  return gated;
}

std::vector<placement::RolloutReport> rollout_reports(
    const std::string& service, const placement::Assignment& assignment,
    const std::map<std::string, placement::PeerStatus>& statuses) {
  std::vector<placement::RolloutReport> reports;
  for (const auto& p : assignment.instances) {
    if (p.id.service != service) continue;
    placement::RolloutReport r;  // unplaced or unreported: not done (never "healthy")
    r.id = p.id;
    if (!p.owner) {
      reports.push_back(std::move(r));
      continue;
    }
    if (auto it = statuses.find(*p.owner); it != statuses.end())
      if (const auto* s = it->second.find(p.id))
        r = {p.id, true, s->state, s->spec_hash, s->settled, s->overdue};
    reports.push_back(std::move(r));
  }
  return reports;
}

std::string deployment_outcome(const config::ServiceSpec& spec, const Reverts& reverts,
                               const placement::Assignment& assignment,
                               const std::map<std::string, placement::PeerStatus>& statuses) {
  if (reverts.count(spec.name)) return "reverted";
  const auto d = placement::deployment_state(spec, placement::spec_hash(spec),
                                             rollout_reports(spec.name, assignment, statuses));
  return std::string(placement::to_string(d));
}

std::vector<std::pair<std::string, std::string>> verdicts_due(
    const std::vector<config::ServiceSpec>& running, const Reverts& reverts,
    const placement::Assignment& assignment,
    const std::map<std::string, placement::PeerStatus>& statuses, const gossip::Store& store) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& spec : running) {
    if (!spec.update || !spec.update->auto_revert || reverts.count(spec.name)) continue;
    if (deployment_outcome(spec, reverts, assignment, statuses) != "failed") continue;
    const std::string key = std::string(kDeployPrefix) + spec.name;
    const std::string hash = placement::spec_hash(spec);
    if (const gossip::Entry* d = live(store, key))
      if (decode_failed(gossip::bytes_to_string(d->value)) == hash) continue;
    out.emplace_back(key, encode_verdict(hash));
  }
  return out;
}

}  // namespace shoal::node
