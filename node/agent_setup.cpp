#include "node/agent_setup.hpp"

#include "node/host.hpp"
#include "placement/place.hpp"

namespace shoal::node {

namespace {

gossip::Micros ms(config::Millis m) { return static_cast<gossip::Micros>(m) * gossip::kMillis; }

}  // namespace

AgentSetup resolve_setup(const config::PeerConfig& cfg, const HostFacts& host) {
  AgentSetup s;
  s.name = cfg.name.empty() ? host.host_name : cfg.name;
  s.bind = {cfg.bind.host, cfg.bind.port};
  if (cfg.advertise) {
    s.advertise = {cfg.advertise->host, cfg.advertise->port};
  } else if (!is_unspecified_host(cfg.bind.host)) {
    s.advertise = s.bind;
  } else {
    s.advertise = {host.first_ipv4.empty() ? std::string("127.0.0.1") : host.first_ipv4,
                   cfg.bind.port};
  }

  const config::GossipSettings& g = cfg.gossip;
  std::optional<gossip::Config> base = gossip::Config::for_profile(g.profile);
  if (!base) {
    s.error = "gossip.profile: unknown profile `" + g.profile + "` (" +
              std::string(gossip::Config::profile_names()) + ")";
    return s;
  }
  gossip::Config c = *base;
  if (g.probe_interval) c.probe_interval = ms(*g.probe_interval);
  if (g.probe_timeout) c.probe_timeout = ms(*g.probe_timeout);
  if (g.gossip_interval) c.gossip_interval = ms(*g.gossip_interval);
  if (g.push_pull_interval) c.push_pull_interval = ms(*g.push_pull_interval);
  if (g.reconnect_timeout) c.reconnect_timeout = ms(*g.reconnect_timeout);
  if (g.tombstone_ttl) c.tombstone_ttl = ms(*g.tombstone_ttl);
  if (g.max_clock_skew) c.max_clock_skew = ms(*g.max_clock_skew);
  if (g.indirect_checks) c.indirect_checks = *g.indirect_checks;
  if (g.suspicion_mult) c.suspicion_mult = *g.suspicion_mult;
  if (g.suspicion_max_mult) c.suspicion_max_mult = *g.suspicion_max_mult;
  if (g.gossip_nodes) c.gossip_nodes = *g.gossip_nodes;
  if (g.retransmit_mult) c.retransmit_mult = *g.retransmit_mult;
  if (g.tree_broadcast) c.tree_broadcast = *g.tree_broadcast;
  if (g.tree_min_members) c.tree_min_members = *g.tree_min_members;
  if (std::string e = c.validate(); !e.empty()) {
    s.error = "gossip: " + e;
    return s;
  }
  s.gossip = c;
  if (g.join_grace) s.join_grace = ms(*g.join_grace);

  s.meta.zone = cfg.zone;
  s.meta.labels = cfg.labels;
  s.meta.cpu_milli = cfg.cpu_milli.value_or(host.cpu_milli);
  s.meta.memory_mib = cfg.memory_mib.value_or(host.memory_mib);
  std::string api_host = cfg.api.listen.host;
  if (is_unspecified_host(api_host)) api_host = s.advertise.host;
  s.meta.api = config::Address{api_host, cfg.api.listen.port}.to_string();
  s.meta.algorithm_version = placement::kAlgorithmVersion;
  s.meta.ready = false;
  s.meta.schedulable = true;
  return s;
}

}  // namespace shoal::node
