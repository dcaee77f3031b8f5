// Small helpers for the run report: percentiles and rounding, so the JSON is stable.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

namespace shoal::sim {

// Rounded to `digits` decimals (the report prints fixed precision, so runs compare exactly).
inline double round_to(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

// Nearest-rank percentile (p in (0, 100]) of `v`; v must be non-empty.
inline double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  if (rank == 0) rank = 1;
  return v[std::min(rank, v.size()) - 1];
}

// {"p50_s", "p99_s"[, "max_s"], "count"}: nulls when `v` is empty. Seconds, to the microsecond.
inline nlohmann::json summary(const std::vector<double>& v, bool with_max) {
  nlohmann::json j;
  if (v.empty()) {
    j["p50_s"] = nullptr;
    j["p99_s"] = nullptr;
    if (with_max) j["max_s"] = nullptr;
  } else {
    j["p50_s"] = round_to(percentile(v, 50), 6);
    j["p99_s"] = round_to(percentile(v, 99), 6);
    if (with_max) j["max_s"] = round_to(*std::max_element(v.begin(), v.end()), 6);
  }
  j["count"] = v.size();
  return j;
}

}  // namespace shoal::sim
