// `shoal history SERVICE`, `shoal revert SERVICE [--to VERSION]` and `shoal apply --wait FILE`
// (DESIGN "Deployments"), over GET /v1/history/<name>, POST /v1/revert and POST /v1/apply.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "node/cli_client.hpp"

namespace shoal::node {

// VERSION SPEC_HASH TIME ORIGIN OUTCOME, oldest first. Pure.
std::string history_table(const nlohmann::json& history);

// Where one service of `apply --wait` stands, from its history (GET /v1/history/<name>) and
// the spec hash the applied file gives it. Pure.
enum class WaitVerdict { waiting, healthy, failed, superseded };
WaitVerdict judge_wait(const nlohmann::json& history, const std::string& target_hash);

// `apply --wait`: applies FILE, then prints each service's deployment as it changes (text, or
// one JSON object a line) until every service is healthy (0) or one failed, was reverted or
// replaced by another version (1), or `timeout_ms` passed (1). 2: FILE does not validate.
int cmd_apply_wait(const ApiTarget& api, const std::string& file, long long timeout_ms, bool json,
                   std::ostream& out, std::ostream& err);

}  // namespace shoal::node
