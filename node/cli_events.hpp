// `shoal events [-f] [--json]`: what one peer saw happen (GET /v1/events), oldest first.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "node/cli_client.hpp"

namespace shoal::node {

// One line an event: "2026-12-07T02:10:00.123Z  member.dead  p2  reported by p3",
// "...  instance.running  p1  web/2". Pure; missing fields print as "-" or nothing.
std::string event_line(const nlohmann::json& event);
// Prints the peer's events (text, or with `json` one object a line: {"seq","ts","kind","peer",
// "service","index","reason","seen_by"});
// `follow`: then every new one as it happens (blocking queries) until SIGINT (exit 0). Exit 1
// when the peer cannot be reached.
int cmd_events(const ApiTarget& api, bool follow, bool json, std::ostream& out,
               std::ostream& err);

}  // namespace shoal::node
