// `shoal apply --plan FILE [--json]`: what applying FILE would change (POST /v1/plan), nothing
// written.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "node/cli_client.hpp"

namespace shoal::node {

// Per service "web: changed (spec a1b2c3 -> d4e5f6)" and a table INDEX FROM TO ACTION of its
// instances (REASON for the unplaced). Pure; missing fields print as "-".
std::string plan_text(const nlohmann::json& plan);
// Validates FILE locally (errors: exit 2), then asks the peer for the plan: 0 printed, 1 the
// peer refused or is unreachable.
int cmd_plan(const ApiTarget& api, const std::string& file, bool json, std::ostream& out,
             std::ostream& err);

}  // namespace shoal::node
