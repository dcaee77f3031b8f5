// The service file's `update` table (the rolling-update policy) -> ServiceSpec::update.
// Keys and defaults (Nomad's, with compose's `order`):
//   parallelism      = 1            instances replaced at a time (1..replicas limit)
//   order            = "stop-first" "start-first": the owner starts the new copy next to the
//                                   old one and stops the old one once the new one is ready
//                                   (placement/start_first.hpp; stop-first when no room)
//   min_healthy_time = "10s"        an instance counts as updated once healthy (or running,
//                                   without a health check) this long at the new spec
//   healthy_deadline = "5m"         for auto_revert
//   auto_revert      = false        true: a failed version is replaced by the last healthy
//                                   one on every peer (node/peer/auto_revert.hpp)
//   canary           = 0            N > 0: only the N lowest-ranked instances take a new
//                                   version until `shoal promote` (node/peer/canary.hpp);
//                                   0..replicas, 0 with mode = "global"
#pragma once

#include "config/spec.hpp"
#include "config/toml_reader.hpp"

namespace shoal::config::detail {

// Reads `update = {...}` into s.update, reporting every problem at its key.
void read_update(Reader& r, const toml::node& n, ServiceSpec& s);

}  // namespace shoal::config::detail
