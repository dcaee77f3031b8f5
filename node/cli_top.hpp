// `shoal top [--json] [--once] [--interval 2s]`: the cluster's measured CPU and memory
// (GET /v1/usage, node/usage_service.hpp) as a live terminal table: peers with used / capacity,
// then instances, busiest first. Redrawn every interval until Ctrl-C (exit 0); --once prints one
// frame, --json the /v1/usage object once. Exit 1 when the peer cannot be reached (at any
// refresh), 2 for a bad interval.
#pragma once

#include <iosfwd>
#include <string>

#include <nlohmann/json.hpp>

#include "node/cli_client.hpp"

namespace shoal::node {

struct TopOptions {
  bool json = false;
  bool once = false;
  std::string interval = "2s";
};

// One frame of the table (pure): a PEER CPU MEMORY AGE table (cpu "120m/2000m 6%", memory
// "300/4096MiB 7%"), a blank line, then SERVICE INDEX PEER CPU RSS sorted by cpu, busiest first;
// `max_instances` rows at most (0: all), the rest counted on a last line. Odd or missing fields
// print as "-".
std::string top_frame(const nlohmann::json& usage, std::size_t max_instances = 0);

int cmd_top(const ApiTarget& api, const TopOptions& opts, std::ostream& out, std::ostream& err);

}  // namespace shoal::node
