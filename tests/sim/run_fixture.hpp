// Helpers for the simulator's experiment tests: parse an experiment from text and run it.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "sim/experiment.hpp"
#include "sim/world.hpp"

namespace shoal::sim::testing {

inline Experiment experiment(const std::string& text, const std::string& path = "test.toml") {
  auto r = parse_experiment_text(text, path);
  if (auto* e = std::get_if<ExperimentError>(&r)) FAIL("experiment does not parse: " << e->message);
  return std::get<Experiment>(std::move(r));
}

// Runs it (with the simulator's cache cross-checks on) and prints the seed and the report when
// an assertion later fails.
inline RunResult run(const Experiment& x) {
  RunOptions opt;
  opt.check_caches = true;
  RunResult r = run_experiment(x, opt);
  INFO("seed " << x.seed << " (replay: shoal-sim run <file> --seed " << x.seed << "): "
                << r.failure);
  REQUIRE(r.failure.empty());
  return r;
}

}  // namespace shoal::sim::testing
