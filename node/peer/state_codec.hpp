// Byte encodings node/ defines for the replicated state's values, and the joins behind
// `shoal ps` / `shoal services`. Pure (no I/O), tested on their own.
//
// status/<peer> (compact JSON, version 1), instances sorted by id:
//   {"v":1,"i":[[service, index, state, spec_hash, {port: host_port}, restarts, exit_code], ...]}
//   plus "s": [positions in "i" of settled instances] once any instance says whether it is
//   settled (services with an update policy); without "s" (an older peer) settled is unset;
//   and "o": [positions of overdue instances] when there are any.
// spec/<service> (JSON, version 1): {"v":1, "name", "image", "command", "replicas", "ports":
//   [[name, container, host|null]], "env", "cpu_milli", "memory_mib", "restart": [condition,
//   delay, max_delay, max_attempts], "health": [kind, http_path, port, exec, interval, timeout,
//   retries], "constraints": [canonical text], "spread", "max_per_peer", "home", "stop_grace",
//   "home_peer"}  (durations in ms; enums by their TOML names)
// "update": [parallelism, order, min_healthy_time, healthy_deadline, auto_revert, canary] only
// for a spec with an update table (older peers ignore it: they replace one at a time).
// Beside the spec, a value may carry its deployment record ("last_good", "good_version",
// "history", "revert_of": node/peer/spec_history.hpp); decode_spec ignores them, as older peers do.
// Version 2 (only for a spec with volumes, so older peers refuse it rather than run it without
// them): version 1 + "volumes": [text as written, "data:/data"]. Both decode; a spec without
// "volumes" has none.
// Decoders return nullopt on anything malformed (never throw).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/spec.hpp"
#include "node/peer/auto_revert.hpp"
#include "gossip/types.hpp"
#include "placement/status.hpp"
#include "placement/view.hpp"

namespace shoal::node {

std::string encode_status(const placement::PeerStatus& status);
std::optional<placement::PeerStatus> decode_status(std::string_view bytes);

std::string encode_spec(const config::ServiceSpec& spec);
std::optional<config::ServiceSpec> decode_spec(std::string_view bytes);

// `shoal ps`: every instance of the assignment joined with its owner's status:
// [{"service","index","peer","address","state","host_ports"}]; unplaced -> peer null, state
// "unplaced"; placed but not (yet) reported by its owner -> "pending". address: the owner's
// advertise address (host part) in `members`, null when unplaced or not a member.
nlohmann::json ps_json(const placement::Assignment& assignment,
                       const std::map<std::string, placement::PeerStatus>& statuses,
                       const gossip::Members& members = {});

// `shoal services`: [{"name","replicas","running","healthy","version"}], sorted by name.
// running counts instances of the assignment whose owner reports running, healthy or unhealthy;
// healthy counts healthy ones, plus running ones when the service has no health check; version
// is the spec hash (16 hex digits); deployment (services with an update table, else null):
// "rolling", "healthy", "failed" or "awaiting_promotion" (placement/rollout.hpp's verdict from
// the same statuses), or "reverted" for a service in `reverts` (node/peer/auto_revert.hpp):
// then `services` holds the version that runs, "version" is its hash and "reverted_from" the
// failed one (else null). canaries: how many canaries its deployment is held with
// (node/peer/canary.hpp; 0: no hold, e.g. canary = 0 or the version was promoted).
nlohmann::json services_json(const std::vector<config::ServiceSpec>& services,
                             const placement::Assignment& assignment,
                             const std::map<std::string, placement::PeerStatus>& statuses,
                             const Reverts& reverts = {});

}  // namespace shoal::node
