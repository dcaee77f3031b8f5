// The inputs and output of placement: a view of the cluster as plain data, and the assignment
// of every instance to an owner. No I/O; every peer with an equal view computes an equal
// assignment, whatever the order of the vectors below.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "config/spec.hpp"

namespace shoal::placement {

enum class MemberState : std::uint8_t { alive, suspect, dead, left };

// One member as this peer sees it (from gossip membership and its metadata).
struct Peer {
  std::string name;
  MemberState state = MemberState::alive;
  bool ready = true;        // synced and up for join_grace
  bool schedulable = true;  // container engine up and not draining
  std::string zone;
  std::map<std::string, std::string> labels;
  std::int64_t cpu_milli = 0;   // capacity
  std::int64_t memory_mib = 0;  // capacity
  std::uint32_t algorithm_version = 1;
};

struct View {
  std::vector<Peer> peers;
  std::vector<config::ServiceSpec> services;  // desired state (spec/<service>)
  // Reschedule: per instance (service, index), the peers it skips (they reported it failed,
  // PeerStatus::failed_here; placement/reschedule.hpp), sorted. Replicated services only.
  std::map<std::pair<std::string, std::uint32_t>, std::vector<std::string>> avoid;
};

struct InstanceId {
  std::string service;
  std::uint32_t index = 0;
  std::string to_string() const { return service + "/" + std::to_string(index); }
  friend auto operator<=>(const InstanceId&, const InstanceId&) = default;
};

// One instance's placement: an owner, or the reason it cannot be placed.
struct Placed {
  InstanceId id;
  std::optional<std::string> owner;  // peer name; empty when unplaced
  std::string reason;                // why unplaced (empty when placed)
};

struct Assignment {
  std::uint32_t algorithm_version = 0;  // the version this was computed with
  std::vector<Placed> instances;        // sorted by (service, index)
  // The owner of an instance, or nullptr when unplaced or unknown.
  const std::string* owner_of(const InstanceId& id) const;
};

}  // namespace shoal::placement
