// `shoal-sim sweep`: searches gossip timings for the `fast` profile. Each candidate (a set of
// timing overrides on a base profile) runs two generated experiments per seed, both with
// `peers` peers on a lossy network and a service whose instances must fail over:
//   loss    : two crashes (`restart = 1`, back after 30 s, so the cluster stays at `peers`);
//   starved : the same, plus one CPU-starved peer (the `slow` event: every packet it receives
//             is handled `slow_delay` late) for the whole run after the start.
// Each run's two failovers are read back exactly from its report (with two samples the
// nearest-rank p50 is the smaller and max the larger), so a candidate's percentiles are over all
// 4 * seeds samples. False positives are summed over every run. A candidate qualifies with zero
// false positives, no incomplete failover and failover p50/p99 within the targets; the winner
// is the qualifying candidate with the lowest p50 (then p99, then max, then bytes per peer,
// then the longer suspicion).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gossip/config.hpp"
#include "gossip/types.hpp"

namespace CLI {
class App;
}

namespace shoal::sim {

using gossip::Micros;

struct SweepCandidate {
  Micros probe_interval = 500 * gossip::kMillis;
  Micros probe_timeout = 250 * gossip::kMillis;
  Micros gossip_interval = 100 * gossip::kMillis;
  int suspicion_mult = 4;
  int suspicion_max_mult = 3;
  int indirect_checks = 3;
  int awareness_max = 8;
};

struct SweepOptions {
  std::string base_profile = "fast";  // fields the sweep does not vary come from here
  int peers = 5;
  double loss = 0.25;
  bool stream_loss = false;  // [network] stream_loss: the stream channel loses as TCP does
  Micros slow_delay = 1 * gossip::kSeconds;
  int seeds = 10;
  std::uint64_t first_seed = 1;
  double p50_target_s = 5;
  double p99_target_s = 8;
};

enum class SweepScenario { loss, starved };

struct SweepRow {
  SweepCandidate candidate;
  std::vector<double> failovers;   // seconds, every sample of every run
  std::size_t failover_incomplete = 0;
  std::size_t false_positives_loss = 0;
  std::size_t false_positives_starved = 0;
  std::size_t invariant_failures = 0;  // runs that reported a violated invariant
  double detection_p50_s = 0;          // median of the runs' detection p50s
  double bytes_per_peer_per_s = 0;     // mean over the loss runs
  std::optional<double> p50_s, p99_s, max_s;  // of `failovers`; nullopt when empty
  bool qualifies = false;
};

// The experiment (TOML text, runnable with `shoal-sim run`) for one candidate, scenario and seed.
std::string sweep_experiment_toml(const SweepCandidate& c, SweepScenario s, std::uint64_t seed,
                                  const SweepOptions& o);

// The default grid (114 candidates): probe_interval {500ms, 1s, 1.2s, 1.3s, 1.4s, 1.5s, 2s} x
// probe_timeout {half the interval, half + 50ms, slow_delay + 100ms; not above the interval} x
// gossip_interval {50ms, 100ms} x suspicion_mult {1, 2, 4}, with suspicion_max_mult 2,
// indirect_checks 3 and awareness_max 8 (Lifeguard's local health on; --awareness-max varies
// it). What it shows at 25% loss: a probe interval above the starved peer's delay keeps it from
// being declared dead (its indirect acks arrive in time). The reconcile step's gate is
// gossip::StallGate (stalled recently), so awareness no longer holds back failover.
std::vector<SweepCandidate> default_sweep_grid(const SweepOptions& o);

// Runs every seed of both scenarios for one candidate. Empty `error` on success; otherwise the
// generated experiment did not parse (a bad candidate, e.g. probe_timeout > probe_interval).
SweepRow evaluate_candidate(const SweepCandidate& c, const SweepOptions& o, std::string& error);

// Index of the winner in `rows` (see the header comment), or nullopt when none qualifies.
std::optional<std::size_t> pick_sweep_winner(const std::vector<SweepRow>& rows);

// A markdown table of `rows` (qualifying first, fastest first), at most `limit` rows (0 = all);
// the winner, when given, is marked.
std::string sweep_table(const std::vector<SweepRow>& rows, std::optional<std::size_t> winner,
                        std::size_t limit);

// "500ms", "1s", "1500ms": the shortest exact spelling of a duration for TOML and tables.
std::string format_sweep_duration(Micros d);

// The `shoal-sim sweep` subcommand: registered on construction, run() after a parse that chose
// it. Prints progress on stderr and the table (markdown) and the winner on stdout. Exit 0 when
// a candidate qualifies, 1 when none does, 2 on bad input.
class SweepCommand {
 public:
  explicit SweepCommand(CLI::App& app);
  bool parsed() const;
  int run() const;

 private:
  std::vector<SweepCandidate> custom_grid(const gossip::Config& base, std::string& error) const;
  void print(const SweepOptions& o, const std::vector<SweepRow>& rows,
             std::optional<std::size_t> winner) const;
  CLI::App* sub_;
  SweepOptions opt_;
  std::string probe_interval_, probe_timeout_, gossip_interval_, suspicion_mult_,
      suspicion_max_mult_, indirect_checks_, awareness_max_, slow_delay_ = "1s";
  std::size_t top_ = 30;
  bool quiet_ = false;
};

}  // namespace shoal::sim
