// shoal-sim: the Shoal simulator's command line. Subcommands: `run` (an experiment, see
// sim/experiment.hpp), `validate` (the simulator against SWIM and epidemic theory, see
// sim/validate.hpp), `placement` (the placement benchmark) and `sweep` (sim/sweep.hpp).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include "sim/experiment.hpp"
#include "sim/placement_bench.hpp"
#include "sim/report.hpp"
#include "sim/sweep.hpp"
#include "sim/validate.hpp"
#include "sim/world.hpp"

namespace {

int bad_input(const std::string& message) {
  std::cerr << "shoal-sim: " << message << "\n";
  return 2;
}

bool parse_synthetic(const std::string& text, std::size_t& peers, std::size_t& instances) {
  const auto comma = text.find(',');
  if (comma == std::string::npos) return false;
  try {
    std::size_t used = 0;
    const std::string a = text.substr(0, comma), b = text.substr(comma + 1);
    peers = std::stoul(a, &used);
    if (used != a.size()) return false;
    instances = std::stoul(b, &used);
    return used == b.size() && peers > 0;
  } catch (...) {
    return false;
  }
}

// `shoal-sim run EXP.toml [--out R.json] [--seed N]`: exit 0 ok, 1 an invariant failed or an
// output could not be written, 2 bad input.
int run_command(const std::string& path, const std::string& out, std::optional<std::uint64_t> seed,
                const std::string& tree, bool quiet) {
  auto loaded = shoal::sim::load_experiment(path);
  if (auto* e = std::get_if<shoal::sim::ExperimentError>(&loaded)) {
    std::cerr << e->message << "\n";
    return 2;
  }
  auto x = std::get<shoal::sim::Experiment>(std::move(loaded));
  if (seed) x.seed = *seed;
  if (!tree.empty()) x.gossip.tree_broadcast = tree == "on";
  shoal::sim::RunOptions opt;
  opt.progress = !quiet;
  auto r = shoal::sim::run_experiment(x, opt);
  r.report["tree_broadcast"] = x.gossip.tree_broadcast;
  const std::string replay = "shoal-sim run " + path + " --seed " + std::to_string(x.seed);
  if (!r.failure.empty()) {
    std::cerr << "shoal-sim: invariant failed: " << r.failure << "\n"
              << "shoal-sim: seed " << x.seed << "; replay with: " << replay << "\n";
    r.report["failure"] = r.failure;
    r.report["replay"] = replay;
  }
  const std::string json = r.report.dump(2) + "\n";
  if (out.empty()) {
    std::cout << json;
  } else {
    const std::string stem = shoal::sim::output_stem(out);
    if (!shoal::sim::write_text(out, json) ||
        !shoal::sim::write_text(stem + ".csv", shoal::sim::series_csv(r.series)) ||
        !shoal::sim::write_text(stem + ".svg", shoal::sim::series_svg(r.series, x.name + " (seed " + std::to_string(x.seed) + ")"))) {
      std::cerr << "shoal-sim: cannot write " << out << " (or its .csv/.svg)\n";
      return 1;
    }
  }
  return r.failure.empty() ? 0 : 1;
}

// `shoal-sim validate [--sizes 16,64,256] [--json]`: exit 0, 1 when a run failed, 2 bad input.
int validate_command(const std::string& sizes, std::uint64_t seed, const std::string& profile,
                     int budget, int crashes, bool json, bool quiet) {
  shoal::sim::ValidateOptions opt;
  opt.sizes.clear();
  std::stringstream ss(sizes);
  for (std::string v; std::getline(ss, v, ',');) {
    try {
      std::size_t used = 0;
      const int n = std::stoi(v, &used);
      if (used != v.size() || n < 4 || n > 5000) throw std::invalid_argument(v);
      opt.sizes.push_back(n);
    } catch (...) {
      return bad_input("--sizes: expected peer counts between 4 and 5000, got `" + v + "`");
    }
  }
  if (opt.sizes.empty()) return bad_input("--sizes: give at least one peer count");
  if (budget < 1 || crashes < 1) return bad_input("--runs-budget and --crashes must be >= 1");
  opt.seed = seed;
  opt.profile = profile;
  opt.runs_budget = budget;
  opt.crashes_per_run = crashes;
  opt.progress = !quiet;
  const auto r = shoal::sim::run_validate(opt);
  if (r.rows.empty() && !r.failure.empty()) return bad_input(r.failure);
  if (json) std::cout << shoal::sim::validate_json(r).dump(2) << "\n";
  else std::cout << shoal::sim::validate_table(r);
  if (!r.failure.empty()) {
    std::cerr << "shoal-sim: " << r.failure << "\n";
    return 1;
  }
  return 0;
}

// `shoal-sim run EXP.toml [--out R.json] [--seed N] [--quiet]`.
struct RunCommand {
  CLI::App* sub;
  std::string path, out;
  std::optional<std::uint64_t> seed;
  std::string tree;
  bool quiet = false;
  explicit RunCommand(CLI::App& app) {
    sub = app.add_subcommand(
        "run",
        "Run an experiment (TOML) on virtual time with the real gossip engine; writes one JSON\n"
        "object to stdout, or to --out R.json with R.csv (time series) and R.svg (plot) beside it.");
    sub->add_option("experiment", path, "the experiment file (.toml)")->required();
    sub->add_option("--out", out, "write the report here (and .csv/.svg beside it)");
    sub->add_option("--seed", seed, "override the experiment's seed (replays a failure)");
    sub->add_option("--tree-broadcast", tree,
                    "override [gossip] tree_broadcast: per-peer values along the broadcast tree "
                    "(on) or by the epidemic (off)")
        ->check(CLI::IsMember({"on", "off"}));
    sub->add_flag("--quiet", quiet, "no progress lines on stderr");
  }
  int run() const { return run_command(path, out, seed, tree, quiet); }
};

// `shoal-sim validate [--sizes 16,64,256] [--json] ...`.
struct ValidateCommand {
  CLI::App* sub;
  std::string sizes = "16,64,256", profile = "lan";
  std::uint64_t seed = 1;
  int budget = shoal::sim::ValidateOptions{}.runs_budget;
  int crashes = shoal::sim::ValidateOptions{}.crashes_per_run;
  bool json = false, quiet = false;
  explicit ValidateCommand(CLI::App& app) {
    sub = app.add_subcommand(
        "validate",
        "Run seeded experiments at several sizes and print the simulator next to theory, with\n"
        "ratio columns: first detection vs SWIM's e/(e-1) probe periods, dissemination vs the push\n"
        "epidemic model, message load vs SWIM's constant (see sim/README.md).");
    sub->add_option("--sizes", sizes, "cluster sizes, comma-separated")->capture_default_str();
    sub->add_option("--seed", seed, "seed of the seeds")->capture_default_str();
    sub->add_option("--profile", profile, "gossip timing profile")->capture_default_str();
    sub->add_option("--runs-budget", budget, "runs per size = max(1, this / size)")->capture_default_str();
    sub->add_option("--crashes", crashes, "crash-and-restart events per run")->capture_default_str();
    sub->add_flag("--json", json, "one JSON object instead of the table");
    sub->add_flag("--quiet", quiet, "no progress lines on stderr");
  }
  int run() const { return validate_command(sizes, seed, profile, budget, crashes, json, quiet); }
};

// `shoal-sim placement (--nodes N.csv --pods P.csv | --synthetic PEERS,INSTANCES) ...`.
struct PlacementCommand {
  CLI::App* sub;
  std::string nodes, pods, synthetic, baselines = "ring,jump,rendezvous,random,ffd", caps;
  std::uint64_t seed = 1;
  int removals = 10, adds = -1;
  std::size_t subset_above = shoal::placement::Tuning{}.subset_above;
  double balance = 1.25;
  bool sweep = false, forget = false;

  explicit PlacementCommand(CLI::App& app) {
    sub = app.add_subcommand(
        "placement",
        "Benchmark placement::place against baselines (ring, jump, rendezvous, random, ffd) on\n"
        "real or synthetic data; prints one JSON object. Each pod row is one instance.");
    sub->add_option("--nodes", nodes, "nodes CSV with a header: name|sn, cpu_milli, memory_mib[, zone]");
    sub->add_option("--pods", pods, "pods CSV with a header: name|sn, cpu_milli, memory_mib");
    sub->add_option("--synthetic", synthetic, "PEERS,INSTANCES: a seeded synthetic cluster instead of CSVs");
    sub->add_option("--seed", seed, "seed for the synthetic cluster and the removal/add picks")->capture_default_str();
    sub->add_option("--removals", removals, "peers removed, one at a time, to measure movement")->capture_default_str();
    sub->add_option("--adds", adds, "peers added, one at a time, to measure movement (default: --removals)");
    sub->add_option("--baselines", baselines, "comma-separated baselines to run, or none")->capture_default_str();
    sub->add_option("--balance", balance, "balance cap for place(), x fair share; 0 = no cap (1.25 is the protocol's)")->capture_default_str();
    sub->add_option("--subset-above", subset_above, "eligible peers past which candidate groups are ranked first (the protocol's value by default)")->capture_default_str();
    sub->add_flag("--forget", forget, "removal erases the peer from the view (default: it is marked dead, as a failed peer stays in the view until forgotten)");
    sub->add_flag("--balance-sweep", sweep, "print the balance/movement trade-off across caps instead");
    sub->add_option("--caps", caps, "caps for --balance-sweep, comma-separated (0 = none); default 0,1.05,1.1,1.15,1.25,1.5,2");
  }

  // The view to place: synthetic, or read from the two CSV files. Empty `error` on success.
  shoal::placement::View load_view(std::string& error) const {
    if (!synthetic.empty()) {
      std::size_t p = 0, i = 0;
      if (!nodes.empty() || !pods.empty()) error = "--synthetic excludes --nodes/--pods";
      else if (!parse_synthetic(synthetic, p, i))
        error = "--synthetic: expected PEERS,INSTANCES (e.g. 1000,10000), got `" + synthetic + "`";
      return error.empty() ? shoal::sim::synthetic_view(p, i, seed) : shoal::placement::View{};
    }
    if (nodes.empty() || pods.empty()) {
      error = "placement: give --nodes and --pods, or --synthetic PEERS,INSTANCES";
      return {};
    }
    using shoal::sim::CsvError;
    auto nt = shoal::sim::read_file(nodes);
    auto pt = shoal::sim::read_file(pods);
    if (auto* e = std::get_if<CsvError>(&nt)) return error = e->message, shoal::placement::View{};
    if (auto* e = std::get_if<CsvError>(&pt)) return error = e->message, shoal::placement::View{};
    auto nr = shoal::sim::parse_nodes(std::get<std::string>(nt), nodes);
    auto pr = shoal::sim::parse_pods(std::get<std::string>(pt), pods);
    if (auto* e = std::get_if<CsvError>(&nr)) return error = e->message, shoal::placement::View{};
    if (auto* e = std::get_if<CsvError>(&pr)) return error = e->message, shoal::placement::View{};
    return shoal::sim::view_from_rows(std::get<std::vector<shoal::sim::NodeRow>>(nr),
                                      std::get<std::vector<shoal::sim::PodRow>>(pr));
  }

  // The benchmark's options from the flags. Empty `error` on success.
  shoal::sim::BenchOptions options(std::string& error) const {
    shoal::sim::BenchOptions opt;
    opt.seed = seed;
    opt.removals = std::max(0, removals);
    opt.adds = adds < 0 ? opt.removals : adds;
    opt.forget = forget;
    opt.tuning.subset_above = subset_above;
    opt.baselines.clear();
    if (baselines != "none") {
      std::stringstream ss(baselines);
      for (std::string b; std::getline(ss, b, ',');) {
        if (b != "ring" && b != "jump" && b != "rendezvous" && b != "random" && b != "ffd" &&
            error.empty())
          error = "--baselines: unknown baseline `" + b + "` (ring, jump, rendezvous, random, ffd)";
        opt.baselines.push_back(b);
      }
    }
    if (balance < 0 && error.empty()) error = "--balance must be >= 0";
    opt.tuning.balance_den = 1000;
    opt.tuning.balance_num = static_cast<std::uint32_t>(balance * 1000.0 + 0.5);
    return opt;
  }

  // --caps as numbers (the default list when not given). Empty `error` on success.
  std::vector<double> cap_list(std::string& error) const {
    if (caps.empty()) return {0, 1.05, 1.1, 1.15, 1.25, 1.5, 2.0};
    std::vector<double> list;
    std::stringstream ss(caps);
    for (std::string c; std::getline(ss, c, ',');) {
      try {
        list.push_back(std::stod(c));
      } catch (...) {
        if (error.empty()) error = "--caps: bad number `" + c + "`";
      }
    }
    return list;
  }

  int run() const {
    std::string error;
    const shoal::placement::View view = load_view(error);
    if (!error.empty()) return bad_input(error);
    const shoal::sim::BenchOptions opt = options(error);
    if (!error.empty()) return bad_input(error);
    if (!sweep) {
      std::cout << shoal::sim::run_bench(view, opt).dump(2) << "\n";
      return 0;
    }
    const std::vector<double> list = cap_list(error);
    if (!error.empty()) return bad_input(error);
    std::cout << shoal::sim::balance_sweep(view, opt, list).dump(2) << "\n";
    return 0;
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"shoal-sim: the Shoal simulator (deterministic; one seed decides everything)"};
  app.require_subcommand(1);
  const RunCommand run(app);
  const ValidateCommand validate(app);
  const PlacementCommand placement(app);
  const shoal::sim::SweepCommand sweep(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (run.sub->parsed()) return run.run();
  if (sweep.parsed()) return sweep.run();
  if (validate.sub->parsed()) return validate.run();
  if (placement.sub->parsed()) return placement.run();
  return 0;
}
