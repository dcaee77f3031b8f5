// How `shoal agent` turns a validated peer file plus facts about the host into what the gossip
// engine needs: its timing Config, its identity (name, advertise address) and metadata.
// Pure (host facts come in as values), so it is unit-tested without sockets.
#pragma once

#include <cstdint>
#include <string>

#include "config/spec.hpp"
#include "gossip/config.hpp"
#include "gossip/types.hpp"
#include "node/runtime/cgroup_setup.hpp"
#include "node/runtime/registry_auth.hpp"

namespace shoal::node {

struct HostFacts {
  std::string host_name;
  std::int64_t cpu_milli = 1000;
  std::int64_t memory_mib = 1024;
  std::string first_ipv4;  // first non-loopback IPv4, "" if none
};

struct AgentSetup {
  std::string name;            // peer file `name`, else the host name
  gossip::Address bind;
  gossip::Address advertise;   // peer file `advertise`, else bind, else first non-loopback
  gossip::Config gossip;       // profile + overrides
  gossip::Micros join_grace = 10 * gossip::kSeconds;
  gossip::Meta meta;           // zone, labels, capacity, api, algorithm version; not ready yet
  std::string error;           // non-empty: cannot run (e.g. unknown profile)
  runtime::RegistryAuths registry_auths;  // runtime.registry_auth, read by run_agent at start
  runtime::CgroupSetup cgroups;  // process driver: its cgroups and limits, found at start
};

// Profiles: lan (default), wan, local (memberlist's values, from gossip/), and fast — defined
// here until gossip/ has it: lan with probe 500 ms / timeout 250 ms, gossip every 100 ms,
// suspicion mult 4 (max x3), push-pull 15 s.
AgentSetup resolve_setup(const config::PeerConfig& cfg, const HostFacts& host);

}  // namespace shoal::node
