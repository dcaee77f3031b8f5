// The discrete-event simulator behind `shoal-sim run`: virtual time in microseconds, one event
// queue ordered by (time, sequence), one seed split into sub-seeds (network, faults, engines,
// clocks), and many real gossip::Engine peers exchanging their real encoded packets over a
// simulated network (latency, loss, duplication, reordering, partitions, slow, frozen, crashed,
// restarted and joining peers). Single-threaded; ordered containers only, so the same
// experiment and seed give the same result byte for byte (apart from wall time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/experiment.hpp"

namespace shoal::sim {

// One row of the time series (R.csv).
struct Sample {
  double t_s = 0;
  std::size_t live_peers = 0;     // peers up, joined and not frozen
  std::size_t alive_min = 0;      // members seen alive or suspect, min over live peers
  double alive_avg = 0;           // ... and average
  std::optional<std::size_t> desired, running, duplicated;  // instances (with services)
};

struct RunOptions {
  bool progress = false;  // progress lines on stderr (virtual time reached, events/s)
};

struct RunResult {
  nlohmann::json report;        // the R.json object (wall_s included)
  std::vector<Sample> series;   // the R.csv rows
  std::string failure;          // a violated invariant (empty when none)
};

// Runs the whole experiment. Deterministic in (experiment, seed) except report["wall_s"].
RunResult run_experiment(const Experiment& x, const RunOptions& opt = {});

}  // namespace shoal::sim
