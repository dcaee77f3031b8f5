// `shoal history SERVICE`, `shoal revert SERVICE [--to VERSION]`, `shoal promote SERVICE` and
// `shoal apply --wait FILE` (DESIGN "Deployments"), over GET /v1/history/<name>, POST
// /v1/revert, POST /v1/promote and POST /v1/apply.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "node/cli_client.hpp"

namespace shoal::node {

// "1 canary", "3 canaries" from a peer's count ("? canaries" when it is not a number). Pure.
std::string canaries_text(const nlohmann::json& n);

// VERSION SPEC_HASH TIME ORIGIN OUTCOME, oldest first. Pure.
std::string history_table(const nlohmann::json& history);

// Where one service of `apply --wait` stands, from its history (GET /v1/history/<name>) and
// the spec hash the applied file gives it. Pure.
// canary: its canaries are done and it awaits `shoal promote` (or `shoal revert`).
enum class WaitVerdict { waiting, healthy, failed, superseded, canary };
WaitVerdict judge_wait(const nlohmann::json& history, const std::string& target_hash);

// `apply --wait`: applies FILE, then prints each service's deployment as it changes (text, or
// one JSON object a line) until every service is healthy or awaits promotion with its
// canaries (0), or one failed, was reverted or replaced by another version (1), or
// `timeout_ms` passed (1). 2: FILE does not validate.
int cmd_apply_wait(const ApiTarget& api, const std::string& file, long long timeout_ms, bool json,
                   std::ostream& out, std::ostream& err);

}  // namespace shoal::node
