// GET /v1/status (DESIGN.md "API", `shoal status --json`): what a peer knows of itself and its
// view, rendered from a snapshot the agent fills. No clock and no I/O here: the same facts
// give the same JSON (tests/node/status_view_test.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gossip/engine.hpp"
#include "node/stream_transport.hpp"

namespace shoal::node {

struct StatusFacts {
  StatusFacts(const gossip::Engine& g, const StreamTransport& s) : gossip(g), stream(s) {}

  const gossip::Engine& gossip;  // members, stats, view hash, incarnation, store
  std::string name, addr, api_socket, profile;
  bool self_ready = false, synced = false, leaving = false, draining = false, sealed = false;
  nlohmann::json runtime;          // {"driver","available","checked"[,"socket"][,"error"]}
  std::int64_t uptime_ms = 0;
  std::int64_t wall_us = 0;        // now, for the clock check of the store
  std::int64_t max_clock_skew_us = 0;
  std::vector<std::string> errors;  // of the services folder
  nlohmann::json conflicts, invalid_specs, local_services, foreign_instances;
  // Counters kept outside the engine.
  std::uint64_t packets_dropped = 0, packets_unauthenticated = 0, packets_replayed = 0;
  std::uint64_t specs_refused = 0, placements = 0, handler_errors = 0;
  std::uint64_t catalog_held = 0, events_held = 0;
  const StreamTransport& stream;
};

nlohmann::json status_json(const StatusFacts& f);

// stats.stream: the stream channel's connections and refusals.
nlohmann::json stream_json(const StreamTransport& stream);

}  // namespace shoal::node
