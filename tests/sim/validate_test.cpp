// `shoal-sim validate`: the models, and a small validation whose ratios to theory must stay in
// a sane band (a behaviour check of the simulator and the engine, not a speed test).
#include <catch2/catch.hpp>

#include "sim/validate.hpp"

using namespace shoal::sim;

TEST_CASE("validate's models") {
  CHECK(swim_first_detection_periods() == Approx(1.5820).epsilon(1e-4));
  // Fanout 3: log_4(16) = 2 rounds of growth, ln(16)/3 = 0.924 to reach the last ones.
  CHECK(epidemic_rounds(16, 3) == Approx(2.0 + 0.92420).epsilon(1e-4));
  CHECK(epidemic_rounds(1, 3) == 0);
  CHECK(epidemic_rounds(1000, 1) > epidemic_rounds(1000, 3));  // more fanout, fewer rounds
  CHECK(swim_load_per_period() == 2.0);
}

TEST_CASE("a small validate lands within a factor of two of theory") {
  ValidateOptions opt;
  opt.sizes = {8, 24};
  opt.seed = 5;
  opt.runs_budget = 72;  // 9 runs of 8 peers, 3 of 24
  opt.crashes_per_run = 6;
  const ValidateResult r = run_validate(opt);
  INFO(validate_table(r));
  REQUIRE(r.failure.empty());
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].runs == 9);
  CHECK(r.rows[0].detect_samples == 54);
  for (const auto& row : r.rows) {
    CHECK(row.detect_samples > 0);
    CHECK(row.dissem_samples > 0);
    CHECK(row.detect_ratio() > 0.5);
    CHECK(row.detect_ratio() < 2.0);
    CHECK(row.dissem_ratio() > 0.5);
    CHECK(row.dissem_ratio() < 2.0);
    CHECK(row.load_ratio() > 0.5);
    CHECK(row.load_ratio() < 2.0);
  }
  const auto j = validate_json(r);
  CHECK(j["rows"].size() == 2);
  CHECK(j["rows"][1]["peers"] == 24);
  CHECK(j["rows"][0]["first_detection"].contains("ratio"));
  CHECK(j["failure"].is_null());
  const std::string table = validate_table(r);
  CHECK(table.find("e/(e-1)") != std::string::npos);
  CHECK(table.find("ratio") != std::string::npos);
}

TEST_CASE("validate is deterministic apart from wall time") {
  ValidateOptions opt;
  opt.sizes = {8};
  opt.runs_budget = 8;
  opt.crashes_per_run = 3;
  auto a = validate_json(run_validate(opt)), b = validate_json(run_validate(opt));
  for (auto* j : {&a, &b})
    for (auto& row : (*j)["rows"]) row.erase("wall_s");
  CHECK(a.dump() == b.dump());
}
