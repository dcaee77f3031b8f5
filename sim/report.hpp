// A run's results: the R.json object built from what the run's parts measured, and writing
// R.json (the report), R.csv (the time series) and R.svg (a plot of it, drawn directly: no
// plotting package). Plain text out; the caller picks the paths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/world.hpp"

namespace shoal::sim {

class Peers;
struct Measures;
class Network;
class FakeRuntime;
class ReconcileLoop;

// What R.json is built from, read after the run.
struct ReportInputs {
  const Experiment& x;
  double wall_s;
  std::uint64_t events;
  std::uint64_t peers_joined;
  const std::vector<std::string>& slow_peers;
  const std::string& spec_writer;  // empty: none
  std::uint64_t probe_writes;
  bool views_equal;                // every live peer's view agrees with the truth (now)
  const Peers& peers;
  const Measures& measures;
  const Network& network;
  const FakeRuntime& runtime;      // read only when the run has services
  const ReconcileLoop& recon;
};

// The R.json object (keys as DESIGN.md lists them; wall_s included).
nlohmann::json run_report(const ReportInputs& in);

// The CSV text: header `t_s,live_peers,members_alive_min,members_alive_avg,instances_desired,
// instances_running,instances_duplicated` (instance columns empty when the run has none).
std::string series_csv(const std::vector<Sample>& series);

// A self-contained SVG line plot of the series (members seen alive min/avg, live peers, and the
// instance columns when present), titled `title`.
std::string series_svg(const std::vector<Sample>& series, const std::string& title);

// "R.json" -> "R" (any other name is kept whole), to which ".csv" and ".svg" are appended.
std::string output_stem(const std::string& json_path);

// Writes `text` to `path`; false when it cannot.
bool write_text(const std::string& path, const std::string& text);

}  // namespace shoal::sim
