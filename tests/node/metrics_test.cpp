// node/metrics.hpp: the exposition text of GET /metrics, from a snapshot (pure).
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "node/metrics.hpp"

using shoal::node::ApiCounts;
using shoal::node::Histogram;
using shoal::node::MetricsSnapshot;
using shoal::node::render_metrics;

namespace {

MetricsSnapshot small() {
  MetricsSnapshot s;
  s.peer = "host-a";
  s.version = "0.1.0";
  s.profile = "lan";
  s.uptime_seconds = 12.5;
  s.members = {{"alive", 3}, {"dead", 1}};
  s.gossip.probes = 40;
  s.gossip.probes_failed = 2;
  s.gossip.members_capped = 5;
  s.state.applied = 9;
  s.state.refused_skew = 1;
  s.keys_live = 4;
  s.keys_deleted = 1;
  s.placements = 2;
  s.placement_seconds = Histogram({0.001, 0.01});
  s.placement_seconds.observe(0.0005);
  s.placement_seconds.observe(0.001);  // le is inclusive
  s.placement_seconds.observe(0.5);
  s.unplaced = {{"web", 1}};
  s.instances = {{"running", 2}};
  s.runner.starts = {{"fresh", 3}};
  s.runner.stops = {{"handed_off", 1}};
  s.api.count("GET", "/v1/status", 200);
  s.api.count("GET", "/v1/status", 200);
  s.api.count("POST", "/v1/apply", 403);
  return s;
}

// The lines of `text` from the one starting with `from` to the line before the next `# HELP`.
std::string block(const std::string& text, const std::string& from) {
  const auto b = text.find(from);
  if (b == std::string::npos) return "<missing " + from + ">";
  const auto e = text.find("# HELP", b + from.size());
  return text.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

}  // namespace

TEST_CASE("metrics: exact text of labelled, fixed-label and histogram families") {
  const std::string t = render_metrics(small());
  CHECK(t.rfind("# HELP shoal_peer_info This peer: name, version and gossip profile.\n"
                "# TYPE shoal_peer_info gauge\n"
                "shoal_peer_info{peer=\"host-a\",profile=\"lan\",version=\"0.1.0\"} 1\n"
                "# HELP shoal_uptime_seconds Seconds since the agent started.\n"
                "# TYPE shoal_uptime_seconds gauge\n"
                "shoal_uptime_seconds 12.5\n",
                0) == 0);
  CHECK(block(t, "# HELP shoal_members ") ==
        "# HELP shoal_members Members this peer knows, by state (itself included).\n"
        "# TYPE shoal_members gauge\n"
        "shoal_members{state=\"alive\"} 3\n"
        "shoal_members{state=\"dead\"} 1\n"
        "shoal_members{state=\"left\"} 0\n"
        "shoal_members{state=\"suspect\"} 0\n");
  CHECK(block(t, "# HELP shoal_gossip_probes_failed_total ") ==
        "# HELP shoal_gossip_probes_failed_total Probes that got no ack.\n"
        "# TYPE shoal_gossip_probes_failed_total counter\n"
        "shoal_gossip_probes_failed_total 2\n");
  CHECK(block(t, "# HELP shoal_gossip_members_refused_total ").find(
            "shoal_gossip_members_refused_total{reason=\"capped\"} 5\n") != std::string::npos);
  CHECK(block(t, "# HELP shoal_state_entries_total ").find(
            "shoal_state_entries_total{result=\"applied\"} 9\n") != std::string::npos);
  CHECK(block(t, "# HELP shoal_state_keys ").find("shoal_state_keys{kind=\"live\"} 4\n") !=
        std::string::npos);
  CHECK(block(t, "# HELP shoal_placement_duration_seconds ") ==
        "# HELP shoal_placement_duration_seconds Time one placement computation took.\n"
        "# TYPE shoal_placement_duration_seconds histogram\n"
        "shoal_placement_duration_seconds_bucket{le=\"0.001\"} 2\n"
        "shoal_placement_duration_seconds_bucket{le=\"0.01\"} 2\n"
        "shoal_placement_duration_seconds_bucket{le=\"+Inf\"} 3\n"
        "shoal_placement_duration_seconds_sum 0.5015\n"
        "shoal_placement_duration_seconds_count 3\n");
  CHECK(block(t, "# HELP shoal_placement_last_duration_seconds ").find(
            "shoal_placement_last_duration_seconds 0.5\n") != std::string::npos);
  CHECK(block(t, "# HELP shoal_instances_unplaced ").find(
            "shoal_instances_unplaced{service=\"web\"} 1\n") != std::string::npos);
  const std::string inst = block(t, "# HELP shoal_instances ");
  CHECK(inst.find("shoal_instances{state=\"running\"} 2\n") != std::string::npos);
  CHECK(inst.find("shoal_instances{state=\"failed\"} 0\n") != std::string::npos);
  CHECK(block(t, "# HELP shoal_instance_starts_total ") ==
        "# HELP shoal_instance_starts_total Instances this peer started, by the reconciler's "
        "reason.\n"
        "# TYPE shoal_instance_starts_total counter\n"
        "shoal_instance_starts_total{reason=\"fresh\"} 3\n"
        "shoal_instance_starts_total{reason=\"handoff\"} 0\n"
        "shoal_instance_starts_total{reason=\"replace\"} 0\n"
        "shoal_instance_starts_total{reason=\"restart\"} 0\n");
  CHECK(block(t, "# HELP shoal_instance_stops_total ").find(
            "shoal_instance_stops_total{reason=\"handed_off\"} 1\n") != std::string::npos);
  CHECK(block(t, "# HELP shoal_api_requests_total ") ==
        "# HELP shoal_api_requests_total API requests answered, by method, route class and "
        "status class.\n"
        "# TYPE shoal_api_requests_total counter\n"
        "shoal_api_requests_total{code=\"2xx\",method=\"GET\",route=\"/v1/status\"} 2\n"
        "shoal_api_requests_total{code=\"4xx\",method=\"POST\",route=\"/v1/apply\"} 1\n");
  // No DNS families unless the peer serves DNS.
  CHECK(t.find("shoal_dns_") == std::string::npos);
  MetricsSnapshot d = small();
  d.dns = true;
  d.dns_stats.udp_queries = 7;
  CHECK(render_metrics(d).find("shoal_dns_queries_total{transport=\"udp\"} 7\n") !=
        std::string::npos);
}

TEST_CASE("metrics: label values escape backslash, quote, newline and odd bytes") {
  MetricsSnapshot s = small();
  s.peer = std::string("a\\b\"c\nd\x01\xff", 9);
  s.unplaced = {{"x\"}y", 1}};
  const std::string t = render_metrics(s);
  CHECK(t.find("shoal_peer_info{peer=\"a\\\\b\\\"c\\nd\\\\x01\\\\xff\",profile=") !=
        std::string::npos);
  CHECK(t.find("shoal_instances_unplaced{service=\"x\\\"}y\"} 1\n") != std::string::npos);
  // Nothing but the escaped forms: no raw newline inside a sample line, no control byte.
  for (char c : t) CHECK((c == '\n' || (c >= 0x20 && c < 0x7f)));
}

TEST_CASE("metrics: every sample has HELP and TYPE first, once, and no series repeats") {
  MetricsSnapshot s = small();
  s.dns = true;
  const std::string t = render_metrics(s);
  std::map<std::string, std::string> types;  // family -> type
  std::set<std::string> helps, series;
  std::istringstream in(t);
  int samples = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# HELP ", 0) == 0) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      CHECK(helps.insert(name).second);
      CHECK(types.count(name) == 0);  // HELP comes first
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream f(line.substr(7));
      std::string name, type;
      f >> name >> type;
      CHECK(helps.count(name) == 1);
      CHECK(types.emplace(name, type).second);
      if (type == "counter") CHECK(name.size() > 6);
      if (type == "counter") CHECK(name.substr(name.size() - 6) == "_total");
      continue;
    }
    REQUIRE(!line.empty());
    ++samples;
    const std::string key = line.substr(0, line.rfind(' '));
    CHECK(series.insert(key).second);
    std::string name = key.substr(0, key.find('{'));
    CHECK(name.rfind("shoal_", 0) == 0);
    if (!types.count(name)) {
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string sfx = suffix;
        if (name.size() > sfx.size() && name.substr(name.size() - sfx.size()) == sfx &&
            types.count(name.substr(0, name.size() - sfx.size())) &&
            types[name.substr(0, name.size() - sfx.size())] == "histogram") {
          name = name.substr(0, name.size() - sfx.size());
        }
      }
    }
    INFO(line);
    CHECK(types.count(name) == 1);
  }
  CHECK(samples > 60);
  CHECK(helps.size() == types.size());
}

TEST_CASE("metrics: API labels stay a fixed set whatever clients send") {
  ApiCounts a;
  a.count("GET", "/v1/catalog/web", 200);
  a.count("GET", "/v1/catalog/another-one", 200);
  a.count("DELETE", "/v1/services/web", 200);
  a.count("BREW", "/../../etc/passwd", 404);
  a.count("GET", std::string("/x\0y", 4), 999);
  a.count("GET", "/metrics", 200);
  const std::map<ApiCounts::Key, std::uint64_t> want = {
      {{"DELETE", "/v1/services/:name", "2xx"}, 1},
      {{"GET", "/metrics", "2xx"}, 1},
      {{"GET", "/v1/catalog/:service", "2xx"}, 2},
      {{"GET", "other", "other"}, 1},
      {{"other", "other", "4xx"}, 1}};
  CHECK(a.counts() == want);
}

TEST_CASE("metrics: histogram buckets are inclusive upper bounds") {
  Histogram h({1, 2});
  h.observe(1);
  h.observe(1.5);
  h.observe(3);
  CHECK(h.counts() == std::vector<std::uint64_t>{1, 1, 1});
  CHECK(h.count() == 3);
  CHECK(h.sum() == 5.5);
  CHECK(h.last() == 3);
}
