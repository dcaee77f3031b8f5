// `shoal-sim validate`: the simulator side by side with theory. For each cluster size it runs
// seeded experiments (no loss, the chosen gossip profile) and compares three measurements with
// their analytic expectations, as ratios measured / model:
//
//  - First detection: crash -> the first peer suspects the crashed one, in probe periods.
//    Model: SWIM (Das, Gupta, Motivala 2002, sec. 3.1): some member picks a given failed member
//    as ping target within an expected 1 / (1 - e^-1) = e/(e-1) ~ 1.582 protocol periods.
//  - Dissemination: a small state write -> every live peer holds it, in seconds. Model: push
//    epidemic with fanout k = gossip_nodes per round of gossip_interval: log_(k+1)(N) rounds
//    while the informed set grows (k+1)-fold, plus ln(N)/k rounds to reach the last ones
//    (Pittel 1987 for k = 1, generalised).
//  - Message load: UDP datagrams each member sends per probe period in a quiet cluster. Model:
//    SWIM's constant 2 (one ping, and one ack for the one ping it receives on average; indirect
//    probes need a failed direct one, so none without loss), independent of N.
//
// Deterministic in the options (every run is seeded); only the wall times vary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace shoal::sim {

struct ValidateOptions {
  std::vector<int> sizes = {16, 64, 256};
  std::uint64_t seed = 1;
  std::string profile = "lan";
  // Runs per size: max(1, runs_budget / size), so small clusters get more seeds.
  int runs_budget = 256;
  int crashes_per_run = 8;   // crash-and-restart events per run (first-detection samples)
  bool progress = false;     // a line on stderr per run
};

struct ValidateRow {
  int peers = 0;
  int runs = 0;
  // First detection, probe periods (mean over crashes).
  std::size_t detect_samples = 0;
  double detect_periods = 0, detect_model = 0;
  // Dissemination, seconds (mean over writes).
  std::size_t dissem_samples = 0;
  double dissem_s = 0, dissem_model_s = 0;
  // Load: UDP datagrams sent per member per probe period.
  double load = 0, load_model = 0;
  double wall_s = 0;

  double detect_ratio() const { return detect_model > 0 ? detect_periods / detect_model : 0; }
  double dissem_ratio() const { return dissem_model_s > 0 ? dissem_s / dissem_model_s : 0; }
  double load_ratio() const { return load_model > 0 ? load / load_model : 0; }
};

struct ValidateResult {
  std::string profile;
  std::int64_t probe_interval_us = 0, gossip_interval_us = 0;
  int gossip_nodes = 0;
  std::vector<ValidateRow> rows;
  std::string failure;  // a run's invariant failure (with its seed), or empty
};

ValidateResult run_validate(const ValidateOptions& opt);

// The models, as functions (tested on their own).
double swim_first_detection_periods();                     // e / (e - 1)
double epidemic_rounds(double peers, int fanout);          // log_(k+1)(N) + ln(N) / k
double swim_load_per_period();                             // 2

// A text table with ratio columns and the models in its header; and the same as JSON.
std::string validate_table(const ValidateResult& r);
nlohmann::json validate_json(const ValidateResult& r);

}  // namespace shoal::sim
