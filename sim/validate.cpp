#include "sim/validate.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>

#include "gossip/config.hpp"
#include "gossip/rng.hpp"
#include "sim/experiment.hpp"
#include "sim/metrics.hpp"
#include "sim/world.hpp"

namespace shoal::sim {

namespace {

using gossip::kMillis;
using gossip::kSeconds;

// One run's timeline, in units of max(probe_interval, 1 s): joins over [0, 5), a small write at
// 10, a quiet window [25, 45) for the load, then one crash (restarted 6 later) every 12 with a
// probe write every 2, and 5 more to finish.
constexpr Micros kQuietFrom = 25, kQuietTo = 45, kCrashEvery = 12, kDownFor = 6, kWriteEvery = 2;

Experiment make_experiment(int peers, std::uint64_t seed, const ValidateOptions& o, Micros unit) {
  Experiment x;
  x.path = "<validate>";
  x.name = "validate-" + std::to_string(peers);
  x.seed = seed;
  for (int i = 0; i < peers; ++i) {
    ExperimentNode n;
    n.name = "p" + std::to_string(i);
    x.nodes.push_back(std::move(n));
  }
  x.profile = o.profile;
  x.lifeguard = true;
  x.latency_min = 1 * kMillis;
  x.latency_max = 5 * kMillis;
  x.loss = 0;
  x.join_spread = 5 * unit;
  x.specs_at = 10 * unit;
  for (int k = 0; k < o.crashes_per_run; ++k) {
    FaultEvent e;
    e.kind = FaultEvent::Kind::restart;
    e.count = 1;
    e.at = (kQuietTo + kCrashEvery * k) * unit;
    e.length = kDownFor * unit;
    x.events.push_back(e);
  }
  x.duration = (kQuietTo + kCrashEvery * o.crashes_per_run + 5) * unit;
  return x;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double d : v) s += d;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

// UDP datagrams per live member per probe period over [from, to) (sample times, seconds).
bool window_load(const RunSamples& s, double from, double to, double period_s, double& sent,
                 double& member_periods) {
  const RunSamples::Load* a = nullptr;
  const RunSamples::Load* b = nullptr;
  double live = 0;
  int n = 0;
  for (const auto& l : s.load) {
    if (l.t_s >= from && !a) a = &l;
    if (l.t_s <= to) b = &l;
    if (l.t_s > from && l.t_s <= to) {
      live += static_cast<double>(l.live_peers);
      ++n;
    }
  }
  if (!a || !b || b->t_s <= a->t_s || n == 0) return false;
  sent += static_cast<double>(b->udp_sent - a->udp_sent);
  member_periods += (live / n) * (b->t_s - a->t_s) / period_s;
  return true;
}

}  // namespace

double swim_first_detection_periods() { return std::exp(1.0) / (std::exp(1.0) - 1.0); }

double epidemic_rounds(double peers, int fanout) {
  if (peers <= 1 || fanout < 1) return 0;
  const double k = fanout;
  return std::log(peers) / std::log(k + 1) + std::log(peers) / k;
}

double swim_load_per_period() { return 2.0; }

ValidateResult run_validate(const ValidateOptions& opt) {
  ValidateResult r;
  r.profile = opt.profile;
  const auto cfg = gossip::Config::for_profile(opt.profile);
  if (!cfg) {
    r.failure = "unknown gossip profile " + opt.profile;
    return r;
  }
  r.probe_interval_us = cfg->probe_interval;
  r.gossip_interval_us = cfg->gossip_interval;
  r.gossip_nodes = cfg->gossip_nodes;
  const Micros unit = std::max<Micros>(cfg->probe_interval, 1 * kSeconds);
  const double period_s = static_cast<double>(cfg->probe_interval) / 1e6;
  const double unit_s = static_cast<double>(unit) / 1e6;

  std::uint64_t seeds = opt.seed;
  for (int n : opt.sizes) {
    const auto t0 = std::chrono::steady_clock::now();
    ValidateRow row;
    row.peers = n;
    row.runs = std::max(1, opt.runs_budget / std::max(1, n));
    std::vector<double> detect, dissem;
    double sent = 0, member_periods = 0;
    for (int k = 0; k < row.runs; ++k) {
      const std::uint64_t seed = gossip::splitmix64(seeds) % 1'000'000'007ULL;
      Experiment x = make_experiment(n, seed, opt, unit);
      RunOptions ro;
      ro.probe_writes_every = kWriteEvery * unit;
      ro.probe_writes_from = kQuietTo * unit;
      RunResult rr = run_experiment(x, ro);
      if (!rr.failure.empty()) {
        r.failure = "validate run with " + std::to_string(n) + " peers, seed " +
                    std::to_string(seed) + ": " + rr.failure;
        return r;
      }
      for (double s : rr.samples.first_detection_s) detect.push_back(s / period_s);
      dissem.insert(dissem.end(), rr.samples.dissemination_s.begin(), rr.samples.dissemination_s.end());
      window_load(rr.samples, kQuietFrom * unit_s, kQuietTo * unit_s, period_s, sent, member_periods);
      if (opt.progress)
        std::fprintf(stderr, "shoal-sim validate: %d peers, run %d of %d (seed %llu)\n", n, k + 1,
                     row.runs, static_cast<unsigned long long>(seed));
    }
    row.detect_samples = detect.size();
    row.detect_periods = mean(detect);
    row.detect_model = swim_first_detection_periods();
    row.dissem_samples = dissem.size();
    row.dissem_s = mean(dissem);
    row.dissem_model_s = epidemic_rounds(n, cfg->gossip_nodes) *
                         static_cast<double>(cfg->gossip_interval) / 1e6;
    row.load = member_periods > 0 ? sent / member_periods : 0;
    row.load_model = swim_load_per_period();
    row.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.rows.push_back(row);
  }
  return r;
}

std::string validate_table(const ValidateResult& r) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line,
                "shoal-sim validate: profile %s (probe %.3g s, gossip %d peers every %.3g s), no loss\n",
                r.profile.c_str(), static_cast<double>(r.probe_interval_us) / 1e6, r.gossip_nodes,
                static_cast<double>(r.gossip_interval_us) / 1e6);
  out += line;
  out += "  first detection: crash -> first suspicion, probe periods; SWIM: e/(e-1) = 1.582\n";
  std::snprintf(line, sizeof line,
                "  dissemination: write -> every live peer, s; push epidemic: (log_%d(N) + ln(N)/%d) x %.3g s\n",
                r.gossip_nodes + 1, r.gossip_nodes, static_cast<double>(r.gossip_interval_us) / 1e6);
  out += line;
  out += "  load: UDP datagrams per member per probe period, quiet cluster; SWIM: 2 (ping + ack)\n\n";
  std::snprintf(line, sizeof line, "%6s %4s | %7s %6s %6s %5s | %7s %7s %7s %5s | %6s %5s %5s | %6s\n",
                "peers", "runs", "detect", "n", "swim", "ratio", "dissem", "n", "model", "ratio",
                "load", "swim", "ratio", "wall");
  out += line;
  for (const auto& row : r.rows) {
    std::snprintf(line, sizeof line,
                  "%6d %4d | %7.3f %6zu %6.3f %5.2f | %7.3f %7zu %7.3f %5.2f | %6.3f %5.1f %5.2f | %5.1fs\n",
                  row.peers, row.runs, row.detect_periods, row.detect_samples, row.detect_model,
                  row.detect_ratio(), row.dissem_s, row.dissem_samples, row.dissem_model_s,
                  row.dissem_ratio(), row.load, row.load_model, row.load_ratio(), row.wall_s);
    out += line;
  }
  if (!r.failure.empty()) out += "failed: " + r.failure + "\n";
  return out;
}

nlohmann::json validate_json(const ValidateResult& r) {
  nlohmann::json j;
  j["profile"] = r.profile;
  j["probe_interval_s"] = static_cast<double>(r.probe_interval_us) / 1e6;
  j["gossip_interval_s"] = static_cast<double>(r.gossip_interval_us) / 1e6;
  j["gossip_nodes"] = r.gossip_nodes;
  j["models"] = {
      {"first_detection", "SWIM: e/(e-1) probe periods until a failed member is first pinged"},
      {"dissemination", "push epidemic, fanout k = gossip_nodes per gossip_interval: log_(k+1)(N) + ln(N)/k rounds"},
      {"load", "SWIM: 2 datagrams (ping + ack) per member per probe period, constant in N"}};
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    nlohmann::json o;
    o["peers"] = row.peers;
    o["runs"] = row.runs;
    o["first_detection"] = {{"periods", round_to(row.detect_periods, 4)},
                            {"samples", row.detect_samples},
                            {"model", round_to(row.detect_model, 4)},
                            {"ratio", round_to(row.detect_ratio(), 3)}};
    o["dissemination"] = {{"mean_s", round_to(row.dissem_s, 4)},
                          {"samples", row.dissem_samples},
                          {"model_s", round_to(row.dissem_model_s, 4)},
                          {"ratio", round_to(row.dissem_ratio(), 3)}};
    o["load"] = {{"per_member_per_period", round_to(row.load, 4)},
                 {"model", row.load_model},
                 {"ratio", round_to(row.load_ratio(), 3)}};
    o["wall_s"] = row.wall_s;
    rows.push_back(std::move(o));
  }
  j["rows"] = std::move(rows);
  j["failure"] = r.failure.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.failure);
  return j;
}

}  // namespace shoal::sim
