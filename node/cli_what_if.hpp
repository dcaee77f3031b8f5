// `shoal what-if --down PEER[,PEER] | --down-zone ZONE [--json]`: asks a peer what placement
// would do if those peers went down now (GET /v1/what-if), without changing anything.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "node/cli_client.hpp"

namespace shoal::node {

// The target of the request: /v1/what-if?down=... or ?down_zone=... (percent-encoded).
std::string what_if_target(const std::optional<std::string>& down,
                           const std::optional<std::string>& down_zone);

// The readable form: "SERVICE INDEX FROM TO" rows of the moves, then the unplaced instances
// with their reasons (or a line saying there are none).
std::string what_if_text(const nlohmann::json& reply);

// Exactly one of `down` / `down_zone` (else exit 2). Exit 0 ok, 1 peer unreachable or failed,
// 2 bad input (an unknown peer or zone: the peer's 400, naming it).
int cmd_what_if(const ApiTarget& api, const std::optional<std::string>& down,
                const std::optional<std::string>& down_zone, bool json, std::ostream& out,
                std::ostream& err);

}  // namespace shoal::node
