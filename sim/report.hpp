// Writing a run's results: R.json (the report), R.csv (the time series) and R.svg (a plot of
// it, drawn directly: no plotting package). Plain text out; the caller picks the paths.
#pragma once

#include <string>
#include <vector>

#include "sim/world.hpp"

namespace shoal::sim {

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
