#include "node/peer/deploy_history.hpp"

#include "gossip/bytes.hpp"
#include "node/peer/event_log.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/spec_history.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/spec_hash.hpp"

namespace shoal::node {

using J = nlohmann::json;

J history_json(const gossip::Entry* e, const std::string& outcome) {
  J out = J::array();
  if (e == nullptr || e->deleted) return out;
  const CurrentValue cur = current_value(e, outcome);
  const std::string value(cur.bytes);
  std::vector<HistoryEntry> h = read_record(value).history;
  const std::string hash = spec_hash_of(value);
  if (h.empty() || h.back().spec_hash != hash)
    h.push_back({h.empty() ? 1 : h.back().version + 1, hash, cur.time_ms, cur.origin, ""});
  h.back().outcome = outcome;
  for (const auto& x : h)
    out.push_back(J{{"version", x.version},
                    {"spec_hash", printable(x.spec_hash)},
                    {"time", utc_timestamp(x.time_ms)},
                    {"origin", printable(x.origin)},
                    {"outcome", printable(x.outcome)}});
  return out;
}

RevertPlan plan_revert(const std::string& service, const gossip::Entry* e, const std::string& to,
                       const std::string& outcome, std::int64_t now_ms, const std::string& self) {
  RevertPlan p;
  if (e == nullptr || e->deleted) return {404, "no service `" + service + "`"};
  const CurrentValue cur = current_value(e, outcome);
  const std::string value(cur.bytes);
  const SpecRecord rec = read_record(value);
  if (!rec.last_good)
    return {409, "service `" + service + "` has no earlier healthy version to revert to"};
  p.from = spec_hash_of(value);
  p.to = spec_hash_of(*rec.last_good);
  p.version = rec.good_version;
  if (!to.empty() && to != std::to_string(rec.good_version) && to != p.to)
    return {409, "version " + to + " of `" + service + "` cannot be restored: only the last "
                 "healthy version's content is kept (version " + std::to_string(rec.good_version) +
                 ", " + p.to + ")"};
  if (p.to.empty()) return {409, "the last healthy version of `" + service + "` does not decode"};
  if (p.from == p.to)
    return {409, "service `" + service + "` is at version " + std::to_string(p.version) +
                 " (" + p.to + ") already"};
  p.value = spec_value(*rec.last_good, cur, now_ms, self, rec.good_version);
  return p;
}

}  // namespace shoal::node
