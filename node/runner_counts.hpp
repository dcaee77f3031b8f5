// What the Runner did, counted as it executes its plan (for GET /metrics): starts by the
// reconciler's reason, starts the driver refused, and stops by reason (counted once the driver
// took the stop, or when there was nothing left to stop; a refused stop is retried, not
// recounted). Plain data: the executor copies it into each report.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace shoal::node {

struct RunnerCounts {
  std::map<std::string, std::uint64_t> starts;  // placement::StartReason name -> count
  std::map<std::string, std::uint64_t> stops;   // placement::StopReason name -> count
  std::uint64_t start_failures = 0;
  friend bool operator==(const RunnerCounts&, const RunnerCounts&) = default;
};

}  // namespace shoal::node
