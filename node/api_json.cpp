#include "node/api_json.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdio>

#include "placement/place.hpp"

namespace shoal::node {

nlohmann::json members_json(const gossip::Members& members) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, m] : members) {  // std::map: sorted by name
    out.push_back({{"name", name},
                   {"addr", m.addr.to_string()},
                   {"state", gossip::to_string(m.state)},
                   {"zone", m.meta.zone},
                   {"incarnation", m.incarnation},
                   {"ready", m.meta.ready}});
  }
  return out;
}

placement::View make_view(const gossip::Members& members,
                          std::vector<config::ServiceSpec> services) {
  placement::View v;
  for (const auto& [name, m] : members) {
    placement::Peer p;
    p.name = name;
    p.state = static_cast<placement::MemberState>(m.state);  // same order: alive..left
    p.ready = m.meta.ready;
    p.schedulable = m.meta.schedulable;
    p.zone = m.meta.zone;
    p.labels = m.meta.labels;
    p.cpu_milli = m.meta.cpu_milli;
    p.memory_mib = m.meta.memory_mib;
    p.algorithm_version = m.meta.algorithm_version;
    v.peers.push_back(std::move(p));
  }
  std::sort(services.begin(), services.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  v.services = std::move(services);
  return v;
}

namespace {

struct Canon {
  std::string b;
  void u64(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) b.push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  }
  void i64(std::int64_t x) { u64(static_cast<std::uint64_t>(x)); }
  void str(const std::string& s) {
    u64(s.size());
    b += s;
  }
  void strs(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) str(s);
  }
  void map(const std::map<std::string, std::string>& m) {
    u64(m.size());
    for (const auto& [k, val] : m) {
      str(k);
      str(val);
    }
  }
};

}  // namespace

std::string view_hash(const placement::View& view) {
  Canon c;
  c.str("shoal.view.v1");
  c.u64(placement::kAlgorithmVersion);
  std::vector<const placement::Peer*> peers;
  for (const auto& p : view.peers) peers.push_back(&p);
  std::sort(peers.begin(), peers.end(), [](auto* a, auto* b) { return a->name < b->name; });
  c.u64(peers.size());
  for (const auto* p : peers) {
    c.str(p->name);
    c.u64(static_cast<std::uint64_t>(p->state));
    c.u64(p->ready);
    c.u64(p->schedulable);
    c.str(p->zone);
    c.map(p->labels);
    c.i64(p->cpu_milli);
    c.i64(p->memory_mib);
    c.u64(p->algorithm_version);
  }
  std::vector<const config::ServiceSpec*> svcs;
  for (const auto& s : view.services) svcs.push_back(&s);
  std::sort(svcs.begin(), svcs.end(), [](auto* a, auto* b) { return a->name < b->name; });
  c.u64(svcs.size());
  for (const auto* s : svcs) {
    c.str(s->name);
    c.str(s->image);
    c.strs(s->command);
    c.i64(s->replicas);
    c.u64(s->ports.size());
    for (const auto& p : s->ports) {
      c.str(p.name);
      c.u64(p.container);
      c.i64(p.host ? *p.host : -1);
    }
    c.map(s->env);
    c.i64(s->resources.cpu_milli);
    c.i64(s->resources.memory_mib);
    c.u64(static_cast<std::uint64_t>(s->restart.condition));
    c.i64(s->restart.delay);
    c.i64(s->restart.max_delay);
    c.i64(s->restart.max_attempts);
    c.u64(static_cast<std::uint64_t>(s->health.kind));
    c.str(s->health.http_path);
    c.str(s->health.port);
    c.strs(s->health.exec);
    c.i64(s->health.interval);
    c.i64(s->health.timeout);
    c.i64(s->health.retries);
    c.u64(s->placement.constraints.size());
    for (const auto& k : s->placement.constraints) c.str(k.to_string());
    c.u64(static_cast<std::uint64_t>(s->placement.spread));
    c.i64(s->placement.max_per_peer);
    c.u64(s->placement.home);
    c.i64(s->stop_grace);
    c.str(s->home_peer);
  }
  unsigned char out[8];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(c.b.data()),
                     c.b.size(), nullptr, 0);
  std::uint64_t x = 0;
  for (int i = 7; i >= 0; --i) x = (x << 8) | out[i];
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(x));
  return hex;
}

}  // namespace shoal::node
