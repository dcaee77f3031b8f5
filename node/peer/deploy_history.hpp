// `shoal history` and `shoal revert` over the record a spec/<name> value carries
// (node/peer/spec_history.hpp). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "gossip/store.hpp"

namespace shoal::node {

// [{"version","spec_hash","time","origin","outcome"}], oldest first, from spec/<name> in force
// (`e`; nullptr or a tombstone: []): `time` UTC RFC 3339 with milliseconds; the last entry is
// the version in force and its outcome is `outcome` (this view's deployment). A value written
// by a peer without records gets one entry from its own write time and origin.
nlohmann::json history_json(const gossip::Entry* e, const std::string& outcome);

struct RevertPlan {
  int status = 200;   // 200, else 404 (no such service) or 409 (nothing to go back to)
  std::string error;
  std::string value;  // spec/<name> to write
  int version = 0;    // the version restored
  std::string from, to;  // spec hashes: in force now, restored
};

// What `shoal revert SERVICE [--to VERSION]` writes: the last healthy version's spec again, as
// a new value (history appended, revert_of = its version). `to`: a version number or a spec hash
// (empty: the last healthy one); only the last healthy version's content is kept, so another
// is refused naming the one that can be restored.
RevertPlan plan_revert(const std::string& service, const gossip::Entry* e, const std::string& to,
                       const std::string& outcome, std::int64_t now_ms, const std::string& self);

}  // namespace shoal::node
