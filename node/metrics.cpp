#include "node/metrics.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <utility>

#include <fmt/format.h>

namespace shoal::node {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // le: v <= bound
  ++counts_[static_cast<std::size_t>(it - bounds_.begin())];
  sum_ += v;
  last_ = v;
  ++count_;
}

std::vector<double> placement_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}

std::string_view api_route(std::string_view path) {
  static constexpr std::array<std::string_view, 8> exact = {
      "/v1/members", "/v1/status", "/v1/services", "/v1/ps", "/v1/apply", "/v1/keys",
      "/metrics", "/v1/what-if"};
  for (std::string_view e : exact)
    if (path == e) return e;
  if (path.starts_with("/v1/catalog/")) return "/v1/catalog/:service";
  if (path.starts_with("/v1/services/")) return "/v1/services/:name";
  return "other";
}

void ApiCounts::count(std::string_view method, std::string_view path, int status) {
  static constexpr std::array<std::string_view, 5> known = {"GET", "HEAD", "POST", "PUT",
                                                            "DELETE"};
  const bool ok = std::find(known.begin(), known.end(), method) != known.end();
  const int cls = status >= 100 && status < 600 ? status / 100 : 0;
  std::string code = cls ? std::to_string(cls) + "xx" : "other";
  ++counts_[Key{ok ? std::string(method) : "other", std::string(api_route(path)), code}];
}

namespace {

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

// `\`, `"` and newline as the format says; other bytes outside printable ASCII as `\xNN` text.
void escape_label(std::string& out, std::string_view v) {
  for (unsigned char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else if (c < 0x20 || c >= 0x7f) out += fmt::format("\\\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

// Writes families in order; each name once, with HELP and TYPE before its samples.
class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  void sample(std::string_view name, const Labels& labels, std::string_view value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i) out_ += ',';
        out_ += labels[i].first;
        out_ += "=\"";
        escape_label(out_, labels[i].second);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }
  void sample(std::string_view name, const Labels& labels, std::uint64_t v) {
    sample(name, labels, std::to_string(v));
  }
  void sample(std::string_view name, const Labels& labels, double v) {
    sample(name, labels, number(v));
  }
  // A family with one unlabelled sample.
  void one(std::string_view name, std::string_view type, std::string_view help, std::uint64_t v) {
    family(name, type, help);
    sample(name, {}, v);
  }
  void counter(std::string_view name, std::string_view help, std::uint64_t v) {
    one(name, "counter", help, v);
  }
  void gauge(std::string_view name, std::string_view help, std::uint64_t v) {
    one(name, "gauge", help, v);
  }
  // A family with one sample per (label value, count).
  void by_fixed(std::string_view name, std::string_view type, std::string_view help,
                std::string_view label,
                std::initializer_list<std::pair<std::string_view, std::uint64_t>> values) {
    family(name, type, help);
    for (const auto& [k, v] : values) sample(name, {{label, k}}, v);
  }
  void by(std::string_view name, std::string_view type, std::string_view help,
          std::string_view label, const std::map<std::string, std::uint64_t>& values) {
    family(name, type, help);
    for (const auto& [k, v] : values) sample(name, {{label, k}}, v);
  }
  void histogram(std::string_view name, std::string_view help, const Histogram& h) {
    family(name, "histogram", help);
    const std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cum = 0;
    for (std::size_t i = 0; i < h.bounds().size(); ++i) {
      cum += h.counts()[i];
      const std::string le = number(h.bounds()[i]);
      sample(bucket, {{"le", le}}, cum);
    }
    sample(bucket, {{"le", "+Inf"}}, h.count());
    sample(std::string(name) + "_sum", {}, h.sum());
    sample(std::string(name) + "_count", {}, h.count());
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Every key of `fixed` (at 0 unless `m` says otherwise), then the others of `m`.
std::map<std::string, std::uint64_t> with_all(std::initializer_list<std::string_view> fixed,
                                              const std::map<std::string, std::uint64_t>& m) {
  std::map<std::string, std::uint64_t> out(m);
  for (std::string_view k : fixed) out.try_emplace(std::string(k), 0);
  return out;
}

void render_gossip(Writer& w, const MetricsSnapshot& s) {
  const gossip::Stats& g = s.gossip;
  w.by("shoal_members", "gauge", "Members this peer knows, by state (itself included).",
       "state", with_all({"alive", "suspect", "dead", "left"}, s.members));
  w.counter("shoal_gossip_packets_received_total", "Gossip datagrams received.", g.packets_in);
  w.counter("shoal_gossip_packets_dropped_total",
            "Gossip packets dropped, for any reason (the next three included).", s.packets_dropped);
  w.counter("shoal_gossip_packets_malformed_total", "Gossip packets that failed to decode.",
            g.packets_malformed);
  w.counter("shoal_gossip_packets_unauthenticated_total",
            "Gossip packets that no key of the keyring opened.", s.packets_unauthenticated);
  w.counter("shoal_gossip_packets_replayed_total", "Gossip packets refused as replays.",
            s.packets_replayed);
  w.counter("shoal_gossip_messages_received_total", "Gossip messages decoded.", g.messages_in);
  w.counter("shoal_gossip_packets_sent_total", "Gossip datagrams sent.", g.datagrams_out);
  w.counter("shoal_gossip_sent_bytes_total", "Bytes of gossip datagrams sent.", g.bytes_out);
  w.counter("shoal_gossip_probes_total", "Probes of other members.", g.probes);
  w.counter("shoal_gossip_probes_failed_total", "Probes that got no ack.", g.probes_failed);
  w.counter("shoal_gossip_suspicions_total", "Members this peer's own probes made suspect.",
            g.suspicions_raised);
  w.counter("shoal_gossip_refutations_total", "Suspicions or deaths of this peer it refuted.",
            g.refutations);
  w.counter("shoal_gossip_stale_claims_answered_total",
            "Peers holding an older life of this one dead or suspect, sent its alive directly.",
            g.stale_claims_answered);
  w.counter("shoal_gossip_dead_told_total",
            "Members this peer holds dead that sent it a datagram, told so (they refute).", g.dead_told);
  w.counter("shoal_gossip_push_pulls_total", "Completed push-pull full syncs.", g.push_pulls);
  w.counter("shoal_gossip_push_pulls_limited_total",
            "Push-pull requests dropped over the per-source rate.", g.push_pulls_limited);
  w.counter("shoal_gossip_stalls_total", "Ticks that came long after their deadline.", g.stalls);
  w.by_fixed("shoal_gossip_tree_sent_total", "counter",
             "Broadcast-tree datagrams sent: values to eager links, ids to lazy ones, grafts and "
             "prunes.", "kind",
             {{"push", g.tree_pushes_out}, {"ihave", g.tree_ihaves_out},
              {"graft", g.tree_grafts_out}, {"prune", g.tree_prunes_out}});
  w.counter("shoal_gossip_tree_refused_total", "Broadcast-tree messages from a non-member.",
            g.tree_refused);
  w.by_fixed("shoal_gossip_members_refused_total", "counter",
             "Member updates refused: invalid, or over the per-sender intake limit.", "reason",
             {{"capped", g.members_capped}, {"invalid", g.members_invalid}});
  w.counter("shoal_gossip_name_conflicts_total", "Claims of a live name from another address.",
            g.name_conflicts);
  w.gauge("shoal_gossip_pending_broadcasts", "Membership updates queued for piggybacking.",
          s.pending_broadcasts);
  w.counter("shoal_stream_accepted_total", "Gossip stream connections accepted.",
            s.stream_accepted);
  w.counter("shoal_stream_refused_total", "Gossip stream connections refused over the caps.",
            s.stream_refused);
  w.counter("shoal_stream_unauthenticated_total",
            "Gossip stream connections closed on a frame that did not open.",
            s.stream_unauthenticated);
  w.counter("shoal_stream_timed_out_total", "Gossip stream connections closed by the deadline.",
            s.stream_timed_out);
}

void render_state(Writer& w, const MetricsSnapshot& s) {
  const gossip::StoreStats& st = s.state;
  w.by_fixed("shoal_state_keys", "gauge",
             "Keys of the replicated state, live or deleted (tombstones).", "kind",
             {{"deleted", s.keys_deleted}, {"live", s.keys_live}});
  w.by_fixed("shoal_state_entries_total", "counter",
             "Remote state entries merged, by result (applied, or why not).", "result",
             {{"applied", st.applied},
              {"refused_expired", st.refused_expired},
              {"refused_foreign", st.refused_foreign},
              {"refused_skew", st.refused_skew},
              {"refuted", st.refuted},
              {"stale", st.stale}});
  w.counter("shoal_state_batches_received_total", "State delta batches merged.",
            s.gossip.state_batches_in);
  w.counter("shoal_state_malformed_total", "State batches or sync messages that failed to decode.",
            s.gossip.state_malformed);
  w.counter("shoal_state_garbage_collected_total", "Tombstones collected after tombstone_ttl.",
            st.garbage_collected);
  w.gauge("shoal_state_graves", "Keys of collected tombstones still remembered.", s.graves);
  w.gauge("shoal_state_pending_deltas", "State deltas queued for piggybacking.",
          s.pending_deltas);
  w.gauge("shoal_state_pending_oversized",
          "Values too large for a datagram, queued for the stream channel.", s.pending_oversized);
  w.counter("shoal_specs_refused_total", "Gossiped specs refused as invalid.", s.specs_refused);
}

void render_work(Writer& w, const MetricsSnapshot& s) {
  w.counter("shoal_placements_total", "Placement computations (cache misses).", s.placements);
  w.histogram("shoal_placement_duration_seconds", "Time one placement computation took.",
              s.placement_seconds);
  w.family("shoal_placement_last_duration_seconds", "gauge",
           "Time the latest placement computation took.");
  w.sample("shoal_placement_last_duration_seconds", {}, s.placement_seconds.last());
  w.by("shoal_instances_unplaced", "gauge",
       "Instances of each service that no peer can take, in this peer's view.", "service",
       s.unplaced);
  w.by("shoal_instances", "gauge", "Instances this peer runs, by state.", "state",
       with_all({"pending", "starting", "running", "healthy", "unhealthy", "stopping", "exited",
                 "failed"},
                s.instances));
  w.by("shoal_instance_starts_total", "counter",
       "Instances this peer started, by the reconciler's reason.", "reason",
       with_all({"fresh", "handoff", "restart", "replace"}, s.runner.starts));
  w.counter("shoal_instance_start_failures_total", "Starts the driver refused.",
            s.runner.start_failures);
  w.by("shoal_instance_stops_total", "counter", "Instances this peer stopped, by reason.",
       "reason",
       with_all({"handed_off", "handoff_timeout", "not_owned", "replaced", "replaced_no_room",
                 "unwanted"},
                s.runner.stops));
  w.family("shoal_api_requests_total", "counter",
           "API requests answered, by method, route class and status class.");
  for (const auto& [k, v] : s.api.counts()) {
    const auto& [method, route, code] = k;
    w.sample("shoal_api_requests_total", {{"code", code}, {"method", method}, {"route", route}},
             v);
  }
  w.gauge("shoal_api_catalog_held", "Blocking catalog queries held open now.", s.catalog_held);
  w.counter("shoal_handler_errors_total", "Exceptions contained by the io loop.",
            s.handler_errors);
  if (!s.dns) return;
  w.by_fixed("shoal_dns_queries_total", "counter", "DNS queries received over UDP.", "transport",
             {{"udp", s.dns_stats.udp_queries}});
  w.counter("shoal_dns_udp_dropped_total", "DNS answers the UDP socket would not take at once.",
            s.dns_stats.udp_dropped);
  w.counter("shoal_dns_tcp_connections_total", "DNS TCP connections accepted.",
            s.dns_stats.tcp_accepted);
}

}  // namespace

std::string render_metrics(const MetricsSnapshot& s) {
  Writer w;
  w.family("shoal_peer_info", "gauge", "This peer: name, version and gossip profile.");
  w.sample("shoal_peer_info", {{"peer", s.peer}, {"profile", s.profile}, {"version", s.version}},
           std::uint64_t{1});
  w.family("shoal_uptime_seconds", "gauge", "Seconds since the agent started.");
  w.sample("shoal_uptime_seconds", {}, s.uptime_seconds);
  render_gossip(w, s);
  render_state(w, s);
  render_work(w, s);
  return w.take();
}

void take_gossip_metrics(MetricsSnapshot& s, const gossip::Engine& gossip) {
  for (const auto& [n, m] : gossip.members()) ++s.members[std::string(to_string(m.state))];
  s.gossip = gossip.stats();
  s.pending_broadcasts = gossip.pending_broadcasts();
  s.pending_deltas = gossip.state().pending_deltas();
  s.pending_oversized = gossip.state().pending_oversized();
  for (const auto& [k, e] : gossip.state().entries()) ++(e.deleted ? s.keys_deleted : s.keys_live);
  s.state = gossip.state().stats();
  s.graves = gossip.state().graves();
}

}  // namespace shoal::node
