#include "node/status_view.hpp"

#include "node/state_report.hpp"

namespace shoal::node {

using Json = nlohmann::json;

namespace {

Json stats_json(const StatusFacts& f) {
  const auto& st = f.gossip.stats();
  return Json{{"packets_in", st.packets_in},
              {"packets_dropped", f.packets_dropped},
              {"packets_malformed", st.packets_malformed},
              {"packets_unauthenticated", f.packets_unauthenticated},
              {"packets_replayed", f.packets_replayed},
              {"datagrams_out", st.datagrams_out},
              {"probes", st.probes},
              {"probes_failed", st.probes_failed},
              {"push_pulls", st.push_pulls},
              {"members_capped", st.members_capped},
              {"specs_refused", f.specs_refused},
              {"placements", f.placements},
              {"handler_errors", f.handler_errors},
              {"catalog_held", f.catalog_held},  // blocking queries held now
              {"events_held", f.events_held},
              {"push_pulls_limited", st.push_pulls_limited},
              {"stream_only_dropped", st.stream_only_dropped},
              {"stream", stream_json(f.stream)},
              {"tree", Json{{"active", f.gossip.tree_active()},
                            {"links", f.gossip.tree_links()},
                            {"eager_links", f.gossip.tree_eager_links()},
                            {"pushes_out", st.tree_pushes_out},
                            {"ihaves_out", st.tree_ihaves_out},
                            {"grafts_out", st.tree_grafts_out},
                            {"prunes_out", st.tree_prunes_out},
                            {"refused", st.tree_refused},
                            {"values_in", st.tree_values_in}}},
              {"state", state_stats_json(f.gossip.state())}};
}

}  // namespace

Json status_json(const StatusFacts& f) {
  const auto& ms = f.gossip.members();
  int alive = 0, ready = 0;
  Json unschedulable = Json::array();  // live members that placement skips for it
  for (const auto& [n, m] : ms) {
    if (m.state == gossip::MemberState::alive) ++alive;
    if (!is_live(m.state)) continue;
    if (m.meta.ready) ++ready;
    if (!m.meta.schedulable) unschedulable.push_back(n);
  }
  const std::int64_t ahead_ms = clock_ahead_ms(f.gossip.state(), f.wall_us);
  const std::string clock_warn = clock_warning(ahead_ms, f.max_clock_skew_us);
  return Json{{"name", f.name},
              {"view_hash", f.gossip.view_hash_hex()},
              {"members", ms.size()},
              {"alive", alive},
              {"ready", ready},
              {"self_ready", f.self_ready},
              {"addr", f.addr},
              {"api_socket", f.api_socket},
              {"incarnation", f.gossip.incarnation()},
              {"synced", f.synced},
              {"leaving", f.leaving},
              {"draining", f.draining},
              {"schedulable", ms.at(f.name).meta.schedulable},
              {"runtime", f.runtime},
              {"unschedulable", unschedulable},
              {"local_health", f.gossip.local_health()},
              {"profile", f.profile},
              {"sealed", f.sealed},
              {"uptime_ms", f.uptime_ms},
              {"errors", f.errors},
              {"conflicts", f.conflicts},
              {"invalid_specs", f.invalid_specs},
              {"local_services", f.local_services},
              {"foreign_instances", f.foreign_instances},
              {"clock_ahead_ms", ahead_ms},
              {"clock_warning", clock_warn.empty() ? Json() : Json(clock_warn)},
              {"stats", stats_json(f)}};
}

Json stream_json(const StreamTransport& stream) {
  const auto& s = stream.stats();
  return Json{{"inbound", stream.inbound()},        {"accepted", s.accepted},
              {"refused_total", s.refused_total},    {"refused_per_source", s.refused_per_source},
              {"frames_refused", s.frames_refused},  {"unauthenticated", s.unauthenticated},
              {"timed_out", s.timed_out},            {"overflowed", s.overflowed},
              {"replies_dropped", s.replies_dropped}, {"accept_errors", s.accept_errors}};
}

}  // namespace shoal::node
