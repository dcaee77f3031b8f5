#pragma once

// What an instance's reported state means to the reconcile step and to a rollout: one reading,
// shared, so "ready" and "a live copy" cannot drift apart between them.

#include "config/spec.hpp"
#include "placement/status.hpp"

namespace shoal::placement {

inline bool is_dead(InstanceState s) {
  return s == InstanceState::exited || s == InstanceState::failed;
}

// Its process runs, whatever its health verdict.
inline bool is_up(InstanceState s) {
  return s == InstanceState::running || s == InstanceState::healthy ||
         s == InstanceState::unhealthy;
}

// A copy that holds (or is about to hold) the instance's name and ports.
inline bool is_live_copy(InstanceState s) { return s == InstanceState::starting || is_up(s); }

inline bool has_health(const config::ServiceSpec& spec) {
  return spec.health.kind != config::HealthCheck::Kind::none;
}

// As good as an old copy: healthy, or running when there is no health check.
inline bool is_ready(InstanceState s, const config::ServiceSpec& spec) {
  return s == InstanceState::healthy || (s == InstanceState::running && !has_health(spec));
}

}  // namespace shoal::placement
