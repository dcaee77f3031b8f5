#include "sim/report.hpp"

#include "sim/checker.hpp"
#include "sim/engine_access.hpp"
#include "sim/fake_runtime.hpp"
#include "sim/metrics.hpp"
#include "sim/network.hpp"
#include "sim/reconcile_loop.hpp"
#include "sim/sim_peer.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace shoal::sim {

namespace {

std::string num(double v, int prec) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", prec, v);
  return buf;
}

std::string escape_xml(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

// A "nice" upper bound for an axis: 1, 2 or 5 x 10^k at or above v.
double nice_ceil(double v) {
  if (v <= 0) return 1;
  double p = 1;
  while (p * 10 <= v) p *= 10;
  while (p > v) p /= 10;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

}  // namespace

std::string series_csv(const std::vector<Sample>& series) {
  std::string o =
      "t_s,live_peers,members_alive_min,members_alive_avg,instances_desired,instances_running,"
      "instances_duplicated\n";
  auto opt = [](const std::optional<std::size_t>& v) { return v ? std::to_string(*v) : std::string(); };
  for (const auto& s : series) {
    o += num(s.t_s, 3) + "," + std::to_string(s.live_peers) + "," + std::to_string(s.alive_min) +
         "," + num(s.alive_avg, 2) + "," + opt(s.desired) + "," + opt(s.running) + "," +
         opt(s.duplicated) + "\n";
  }
  return o;
}

std::string series_svg(const std::vector<Sample>& series, const std::string& title) {
  const double W = 900, H = 420, L = 70, R = 180, T = 40, B = 50;
  const double pw = W - L - R, ph = H - T - B;
  double tmax = series.empty() ? 1 : series.back().t_s;
  double ymax = 1;
  bool instances = false;
  for (const auto& s : series) {
    ymax = std::max({ymax, static_cast<double>(s.live_peers), s.alive_avg,
                     static_cast<double>(s.alive_min)});
    if (s.desired) {
      instances = true;
      ymax = std::max({ymax, static_cast<double>(*s.desired), static_cast<double>(*s.running),
                       static_cast<double>(*s.duplicated)});
    }
  }
  ymax = nice_ceil(ymax * 1.05);
  tmax = nice_ceil(tmax);
  auto X = [&](double t) { return L + pw * t / tmax; };
  auto Y = [&](double v) { return T + ph * (1 - v / ymax); };

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << L << "\" y=\"24\" font-size=\"15\">" << escape_xml(title) << "</text>\n";
  // Axes and grid.
  for (int k = 0; k <= 5; ++k) {
    const double v = ymax * k / 5, y = Y(v);
    o << "<line x1=\"" << L << "\" y1=\"" << num(y, 1) << "\" x2=\"" << L + pw << "\" y2=\""
      << num(y, 1) << "\" stroke=\"#ddd\"/>\n";
    o << "<text x=\"" << L - 6 << "\" y=\"" << num(y + 4, 1) << "\" text-anchor=\"end\">"
      << num(v, v < 10 ? 1 : 0) << "</text>\n";
    const double t = tmax * k / 5, x = X(t);
    o << "<line x1=\"" << num(x, 1) << "\" y1=\"" << T << "\" x2=\"" << num(x, 1) << "\" y2=\""
      << T + ph << "\" stroke=\"#eee\"/>\n";
    o << "<text x=\"" << num(x, 1) << "\" y=\"" << T + ph + 18 << "\" text-anchor=\"middle\">"
      << num(t, t < 10 ? 1 : 0) << "</text>\n";
  }
  o << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"#333\"/>\n";
  o << "<text x=\"" << L + pw / 2 << "\" y=\"" << H - 10 << "\" text-anchor=\"middle\">virtual time (s)</text>\n";
  o << "<text x=\"16\" y=\"" << T + ph / 2 << "\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
    << T + ph / 2 << ")\">peers / instances</text>\n";

  struct Line {
    const char* label;
    const char* color;
    const char* dash;
    double (*get)(const Sample&);
  };
  std::vector<Line> lines = {
      {"live peers", "#888888", "4 3", [](const Sample& s) { return static_cast<double>(s.live_peers); }},
      {"members alive (min)", "#d62728", "", [](const Sample& s) { return static_cast<double>(s.alive_min); }},
      {"members alive (avg)", "#1f77b4", "", [](const Sample& s) { return s.alive_avg; }},
  };
  if (instances) {
    lines.push_back({"instances desired", "#2ca02c", "6 3", [](const Sample& s) { return static_cast<double>(s.desired.value_or(0)); }});
    lines.push_back({"instances running", "#17becf", "", [](const Sample& s) { return static_cast<double>(s.running.value_or(0)); }});
    lines.push_back({"instances duplicated", "#ff7f0e", "", [](const Sample& s) { return static_cast<double>(s.duplicated.value_or(0)); }});
  }
  int k = 0;
  for (const auto& l : lines) {
    o << "<polyline fill=\"none\" stroke=\"" << l.color << "\" stroke-width=\"1.6\"";
    if (*l.dash) o << " stroke-dasharray=\"" << l.dash << "\"";
    o << " points=\"";
    for (const auto& s : series) o << num(X(s.t_s), 1) << "," << num(Y(l.get(s)), 1) << " ";
    o << "\"/>\n";
    const double ly = T + 10 + 20 * k++;
    o << "<line x1=\"" << L + pw + 12 << "\" y1=\"" << ly << "\" x2=\"" << L + pw + 36 << "\" y2=\""
      << ly << "\" stroke=\"" << l.color << "\" stroke-width=\"2\"";
    if (*l.dash) o << " stroke-dasharray=\"" << l.dash << "\"";
    o << "/>\n<text x=\"" << L + pw + 42 << "\" y=\"" << ly + 4 << "\">" << l.label << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::string output_stem(const std::string& json_path) {
  if (json_path.size() > 5 && json_path.ends_with(".json"))
    return json_path.substr(0, json_path.size() - 5);
  return json_path;
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return false;
  out << text;
  return static_cast<bool>(out);
}

// ---- R.json -------------------------------------------------------------------------------------

namespace {

using gossip::MemberState;

void report_faults(nlohmann::json& j, const ReportInputs& in) {
  const Measures& m = in.measures;
  const Peers& peers = in.peers;
  std::vector<double> detection;
  std::size_t undetected = 0, restarts_unseen = 0;
  for (const auto& c : m.crashes) {
    if (c.detected) detection.push_back(static_cast<double>(*c.detected - c.at) / 1e6);
    else if (c.restart) ++restarts_unseen;
    else ++undetected;
  }
  std::size_t fps = 0;
  nlohmann::json fp_names = nlohmann::json::array();
  for (auto x : m.fp_candidates)
    if (!peers[x].ever_crashed && !peers[x].ever_frozen) {
      ++fps;
      if (fp_names.size() < 20) fp_names.push_back(peers[x].name);
    }
  std::size_t stops_declared = 0, stops_rejoined = 0;
  std::vector<double> stop_detection;
  for (const auto& s : m.stops) {
    if (s.declared_dead) ++stops_declared;
    if (s.detected) stop_detection.push_back(static_cast<double>(*s.detected - s.at) / 1e6);
    bool all = peers[s.peer].up;
    for (const auto& p : peers) {
      if (!all) break;
      if (!live(p)) continue;
      if (member_state(p.peer->engine(), peers[s.peer].name) != std::optional<MemberState>(MemberState::alive))
        all = false;
    }
    if (all) ++stops_rejoined;
  }
  j["crashes"] = m.crashes.size();
  j["detection"] = summary(detection, true);
  j["undetected"] = undetected;
  j["false_positives"] = fps;
  // Suspicions of a peer that is up (and not frozen) raised by a probe, across a partition too
  // (each refuted, or a death): what loss costs before it costs a false death.
  j["suspicions_of_live_peers"] = m.live_suspicions;
  j["false_positive_peers"] = fp_names;  // the first 20, by name
  j["slow_peers"] = in.slow_peers;
  j["stopped"] = {{"count", m.stops.size()}, {"declared_dead", stops_declared},
                  {"rejoined", stops_rejoined}};
  // As a crash's, for the stops (a frozen peer is a crash to the others until it thaws):
  // stopped -> every live peer holds it dead (stops never declared dead are left out).
  if (!m.stops.empty()) j["stopped"]["detection"] = summary(stop_detection, true);
}

void report_state(nlohmann::json& j, const ReportInputs& in) {
  const Measures& m = in.measures;
  std::size_t incomplete = 0;
  for (const auto& [key, ws] : m.writes) incomplete += ws.size();
  j["dissemination"] = summary(m.dissemination, true);  // every state write: specs, statuses
  j["dissemination"]["incomplete"] = incomplete;       // not yet everywhere at the end
  j["dissemination_specs"] = summary(m.dissemination_specs, true);
  // With join_grace: a peer's start until it announced `ready` (null without).
  j["ready"] = in.x.join_grace && !in.x.services.empty() ? summary(m.ready_after, true)
                                                         : nlohmann::json(nullptr);
  const DecodedStateCache& cache = in.recon.decoded_cache();
  j["state"] = {{"spec_writer", in.spec_writer.empty() ? nlohmann::json(nullptr) : nlohmann::json(in.spec_writer)},
                {"status_writes", in.recon.status_writes()},
                {"probe_writes", in.probe_writes},
                {"values_decoded", cache.values_decoded()},
                {"status_maps_built", cache.status_maps_built()},
                {"status_maps_shared", cache.status_maps_shared()}};
  std::vector<double> first;
  for (const auto& c : m.crashes)
    if (c.first_suspected) first.push_back(static_cast<double>(*c.first_suspected - c.at) / 1e6);
  j["first_detection"] = summary(first, true);  // crash -> the first peer suspects it
  if (m.converged_at) j["convergence_s"] = static_cast<double>(*m.converged_at - m.last_event_end) / 1e6;
  else j["convergence_s"] = nullptr;
}

void report_runtime(nlohmann::json& j, const ReportInputs& in) {
  if (in.x.services.empty()) {
    j["failover"] = {{"p50_s", nullptr}, {"p99_s", nullptr}, {"max_s", nullptr}};
    j["duplicates_max"] = nullptr;
    j["duplicates_final"] = nullptr;
    j["unavailable_instance_seconds"] = nullptr;
    return;
  }
  const FakeRuntime& rt = in.runtime;
  std::vector<double> fo;
  std::size_t incomplete = 0;
  for (const auto& f : rt.failovers()) {
    if (f.done) fo.push_back(static_cast<double>(*f.done - f.at) / 1e6);
    else ++incomplete;
  }
  j["failover"] = summary(fo, true);
  j["failover_incomplete"] = incomplete;
  if (!rt.stop_failovers().empty()) {  // stopped -> its instances started elsewhere, before it thawed
    std::vector<double> sfo;
    for (const auto& f : rt.stop_failovers())
      if (f.done) sfo.push_back(static_cast<double>(*f.done - f.at) / 1e6);
    j["stopped"]["failover"] = summary(sfo, true);
    j["stopped"]["failover"]["incomplete"] = rt.stop_failovers().size() - sfo.size();
  }
  j["duplicates_max"] = rt.duplicates_max();
  j["duplicates_final"] = rt.duplicated();
  if (rt.all_running_at()) {
    j["unavailable_instance_seconds"] = round_to(rt.unavailable_us() / 1e6, 3);
    j["all_running_s"] = static_cast<double>(*rt.all_running_at()) / 1e6;
  } else {
    j["unavailable_instance_seconds"] = nullptr;
    j["all_running_s"] = nullptr;
  }
  j["instances"] = {{"desired", rt.desired()}, {"running", rt.running()}, {"duplicated", rt.duplicated()}};
  j["placements_computed"] = in.recon.placements_computed();
  j["placements_shared"] = in.recon.placements_shared();
  j["reconcile_steps"] = in.recon.reconcile_steps();
  j["instance_crashes"] = rt.instance_crashes();
  if (!rt.rollouts().empty()) {  // only runs with [[event]] update (older reports unchanged)
    // Instances of a version on live peers at the end, in any state (a broken one crash-loops).
    auto at_hash = [&](const std::string& service, const std::string& hash) {
      std::size_t n = 0;
      for (const auto& p : in.peers)
        if (p.up)
          for (const auto& [id, inst] : p.instances)
            n += id.service == service && inst.local.spec_hash == hash;
      return n;
    };
    nlohmann::json rs = nlohmann::json::array();
    for (const auto& r : rt.rollouts()) {
      rs.push_back({{"service", r.service},
                    {"at_s", static_cast<double>(r.at) / 1e6},
                    {"replicas", r.replicas},
                    {"parallelism", r.parallelism},
                    {"min_available", r.min_available},
                    {"min_available_by_10s", r.min_by_10s},
                    {"old_copies_left", r.old_copies},
                    {"broken", r.broken},
                    {"failed_s", r.failed ? nlohmann::json(static_cast<double>(*r.failed - r.at) / 1e6)
                                          : nlohmann::json(nullptr)},
                    {"new_version_instances_end", at_hash(r.service, r.hash)},
                    {"reverted_s", r.reverted ? nlohmann::json(static_cast<double>(*r.reverted - r.at) / 1e6)
                                              : nlohmann::json(nullptr)},
                    {"duration_s", r.done ? nlohmann::json(static_cast<double>(*r.done - r.at) / 1e6)
                                          : nlohmann::json(nullptr)}});
    }
    j["rollouts"] = std::move(rs);
  }
}

nlohmann::json report_final(const ReportInputs& in) {
  nlohmann::json fin;
  std::size_t live_n = 0, amin = SIZE_MAX, amax = 0;
  for (const auto& p : in.peers) {
    if (!live(p)) continue;
    ++live_n;
    amin = std::min(amin, static_cast<std::size_t>(std::max(0L, p.live_seen)));
    amax = std::max(amax, static_cast<std::size_t>(std::max(0L, p.live_seen)));
  }
  fin["live_peers"] = live_n;
  fin["members_alive_min"] = live_n ? amin : 0;
  fin["members_alive_max"] = amax;
  fin["views_equal"] = in.views_equal;
  fin["view_hash"] = nullptr;  // the engines' view hash, when every live peer has the same
  if (in.views_equal)
    for (const auto& p : in.peers)
      if (live(p)) {
        fin["view_hash"] = p.peer->engine().view_hash_hex();
        break;
      }
  return fin;
}

}  // namespace

nlohmann::json run_report(const ReportInputs& in) {
  const Experiment& x = in.x;
  nlohmann::json j;
  j["name"] = x.name;
  j["seed"] = x.seed;
  j["wall_s"] = in.wall_s;
  j["virtual_s"] = static_cast<double>(x.duration) / 1e6;
  j["events"] = in.events;
  j["peers"] = x.nodes.size();
  j["peers_joined"] = in.peers_joined;
  j["profile"] = x.profile;
  j["lifeguard"] = x.lifeguard;
  report_faults(j, in);
  report_state(j, in);
  report_runtime(j, in);
  const double ps = in.measures.peer_seconds > 0 ? in.measures.peer_seconds : 1;
  j["bytes_per_peer_per_s"] = round_to(static_cast<double>(in.network.bytes()) / ps, 1);
  j["msgs_per_peer_per_s"] = round_to(static_cast<double>(in.network.msgs()) / ps, 3);
  j["final"] = report_final(in);
  return j;
}

}  // namespace shoal::sim
