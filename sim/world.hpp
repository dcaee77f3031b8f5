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
  // Every this long (0: never), from probe_writes_from (and the specs write) on, a live peer
  // picked at random writes a small key `sim/probe/<n>` through its engine: more dissemination
  // samples (`shoal-sim validate`).
  Micros probe_writes_every = 0;
  Micros probe_writes_from = 0;
  // Cross-check the incrementally kept caches against full recomputation, and every step's
  // plan against the plan on the inputs node/'s agent builds for the same peer (tests): a
  // mismatch fails the run.
  bool check_caches = false;
};

// Raw measurements behind the report (for `shoal-sim validate`; not part of R.json).
struct RunSamples {
  std::vector<double> first_detection_s;  // crash -> the first peer suspects it (or declares it dead)
  std::vector<double> dissemination_s;    // a state write -> every live peer holds it (or newer)
  // (t_s, live peers, UDP datagrams sent since the start), one per sample
  struct Load {
    double t_s;
    std::size_t live_peers;
    std::uint64_t udp_sent;
  };
  std::vector<Load> load;
};

struct RunResult {
  nlohmann::json report;        // the R.json object (wall_s included)
  std::vector<Sample> series;   // the R.csv rows
  std::string failure;          // a violated invariant (empty when none)
  RunSamples samples;
};

// Runs the whole experiment. Deterministic in (experiment, seed) except report["wall_s"].
RunResult run_experiment(const Experiment& x, const RunOptions& opt = {});

}  // namespace shoal::sim
