// What the compose converter has gathered for one Shoal service, and its TOML text. Only the
// fields set here are written: a service file states what the compose file said, and Shoal's
// defaults stay defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/spec.hpp"

namespace shoal::convert {

struct HealthDraft {
  std::vector<std::string> exec;
  std::optional<config::Millis> interval, timeout;
  std::optional<std::int64_t> retries;
};

struct ServiceDraft {
  std::string name;          // the Shoal name
  std::string compose_name;  // the compose file's
  std::string image;
  std::optional<std::vector<std::string>> command;
  std::optional<std::int64_t> replicas;
  bool global = false;
  std::vector<config::Port> ports;                         // in the compose file's order
  std::vector<std::pair<std::string, std::string>> env;    // names unique, in order
  std::optional<std::int64_t> cpu_milli, memory_mib;
  std::optional<std::string> restart_condition;            // any | on-failure | none
  std::optional<config::Millis> restart_delay, restart_max_delay;
  std::optional<std::int64_t> restart_max_attempts;
  std::optional<HealthDraft> health;
  std::vector<std::string> constraints;                    // Shoal's constraint text
  std::optional<std::int64_t> max_per_peer;
  std::optional<config::Millis> stop_grace;
  std::vector<std::string> volumes;                        // Shoal's volume text
  // deploy.update_config as the `update` table (written when one of its keys maps).
  std::optional<std::int64_t> update_parallelism;
  std::optional<std::string> update_order;                 // stop-first or start-first
  bool update_auto_revert = false;                         // failure_action: rollback
  bool update_pause = false;                               // failure_action: pause (the default)
  std::optional<config::Millis> update_min_healthy_time;   // compose's monitor
  std::vector<std::string> not_converted;                  // key paths, for the header comment
};

// The service file: a comment naming the source and what was left out, then [service.NAME].
std::string to_toml(const ServiceDraft& d, std::string_view source_path);

// A TOML basic string, quoted and escaped.
std::string toml_string(std::string_view text);

}  // namespace shoal::convert
