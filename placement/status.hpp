// What a peer reports about the instances it runs: the payload of `status/<peer>` in replicated
// state, and the instance states users see in `shoal ps`. Plain data, no I/O.
// The byte encoding of PeerStatus is gossip's / node's concern and is not defined here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "placement/view.hpp"

namespace shoal::placement {

// The lowercase names (to_string) are a user-facing contract (`shoal ps`, JSON `state`).
enum class InstanceState : std::uint8_t {
  pending,    // assigned, not started (or waiting out a restart backoff)
  starting,   // start requested, not yet running
  running,    // running; no health verdict (or the service has no health check)
  healthy,    // running and its health check passes
  unhealthy,  // running and its health check fails
  stopping,   // stop requested, not yet gone
  exited,     // exited and, as its restart policy allows, not restarted
  failed,     // gave up after restart.max_attempts
  unplaced,   // no peer can take it (only in the assignment view; never in a peer's status)
};

std::string_view to_string(InstanceState s);
// The state named by `s` (exact lowercase name), or nullopt.
std::optional<InstanceState> instance_state_from_string(std::string_view s);

// One instance as its peer reports it.
struct InstanceStatus {
  InstanceId id;
  InstanceState state = InstanceState::pending;
  std::string spec_hash;                           // spec_hash() of the spec it runs
  std::map<std::string, std::uint16_t> host_ports;  // port name -> host port chosen
  int restarts = 0;                                 // restarts since its last (re)placement
  int exit_code = 0;                                // meaningful when exited / failed
  // Services with an update policy: ready at spec_hash for update.min_healthy_time, as its
  // peer measured it (placement/rollout.hpp). nullopt: not said (no policy, or an older peer).
  std::optional<bool> settled;
  // Services with an update policy: at spec_hash, not yet settled, healthy_deadline after the
  // first start at that hash (restarts included), as its peer measured it: the version failed.
  bool overdue = false;
  // Start-first: the host ports of the instance's old copy, still running and serving beside
  // this one until it is ready (empty: none). The catalog and DNS list it as a serving
  // endpoint, so an instance never leaves them while it is replaced.
  std::map<std::string, std::uint16_t> outgoing_ports;
  friend bool operator==(const InstanceStatus&, const InstanceStatus&) = default;
};

// A service this peer sheds: its instances keep failing health checks here while they run
// healthy elsewhere (placement/health_shed.hpp), so its instances here are in failed_here.
struct ShedService {
  std::string service;
  int failures = 0;   // health failures here within reschedule.interval
  bool host = false;  // shed by the host rule (two or more services failing here)
  friend bool operator==(const ShedService&, const ShedService&) = default;
};

// The value of `status/<peer>`: every instance that peer runs, sorted by id.
struct PeerStatus {
  std::vector<InstanceStatus> instances;
  // Reschedule (placement/reschedule.hpp): instances that failed on this peer and that every
  // peer places elsewhere while listed here (the owner lists each for reschedule.interval),
  // sorted. Older peers ignore it.
  std::vector<InstanceId> failed_here;
  // The services shed here (why some of failed_here are listed), sorted by service. Read only
  // for the events and what users see; no decision depends on another peer's list.
  std::vector<ShedService> shed;
  // The entry for `id`, or nullptr. Binary search: `instances` must be sorted by id.
  const InstanceStatus* find(const InstanceId& id) const;
  friend bool operator==(const PeerStatus&, const PeerStatus&) = default;
};

}  // namespace shoal::placement
