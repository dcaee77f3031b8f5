// The service file's `reschedule` table (Nomad's names) -> ServiceSpec::reschedule: an
// instance that exhausts its restart attempts on one peer (`failed`) moves to the next peer of
// its ranking, the failing peer skipped for that instance for `interval`
// (placement/reschedule.hpp). Keys and defaults:
//   attempts = 3       peers one instance may move away from within `interval` (1..100); past
//                      it, the instance stays failed where it is
//   interval = "1h"    how long a peer where the instance failed is skipped for it (1s..168h)
//   delay    = "30s"   how long the failed instance waits on its peer before it moves (0..1h)
// The same keys bound health shedding (placement/health_shed.hpp): a service whose instances
// keep failing health checks on a peer while healthy elsewhere is shed from it.
// Absent: a failed instance stays failed on its peer (as before). Refused with
// restart.max_attempts = 0 (an instance then restarts in place forever and never fails) and
// with mode = "global" (one instance per peer: there is nowhere to move it).
#pragma once

#include "config/spec.hpp"
#include "config/toml_reader.hpp"

namespace shoal::config::detail {

// Reads `reschedule = {...}` into s.reschedule, reporting every problem at its key. Call after
// the restart table and mode are read.
void read_reschedule(Reader& r, const toml::node& n, ServiceSpec& s);

}  // namespace shoal::config::detail
