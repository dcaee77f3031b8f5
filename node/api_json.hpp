// The JSON shapes of the peer's HTTP API (and so of `shoal members --json` / `status --json`),
// built from plain values. Pure; nlohmann::json in, nlohmann::json out.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "gossip/types.hpp"
#include "placement/view.hpp"

namespace shoal::node {

// [{"name","addr","state","zone","incarnation","ready","schedulable","cpu_milli","memory_mib"}]
// (the last two: the capacity the member announces), sorted by name.
nlohmann::json members_json(const gossip::Members& members);



}  // namespace shoal::node
