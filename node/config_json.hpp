// JSON views of validated config, as `shoal check --json` prints them (DESIGN.md "Interfaces"):
// keys mirror the TOML names; durations become integer ms in keys ending `_ms`, memory MiB in
// keys ending `_mib`, cpu millicores in keys ending `_milli` ("auto" stays a string); an unset
// optional value is null.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "config/spec.hpp"

namespace shoal::node {

using ConfigJson = nlohmann::ordered_json;

// {"image", "command", "replicas", "ports": {NAME: {"container", "host"}}, "env",
//  "resources": {"cpu_milli", "memory_mib"}, "restart": {"condition", "delay_ms",
//  "max_delay_ms", "max_attempts"}, "health": null | {"kind", "http"|"tcp"|"exec", "port",
//  "interval_ms", "timeout_ms", "retries"}, "placement": {"constraints": [canonical text],
//  "spread", "max_per_peer", "home"}, "stop_grace_ms", "mode", "volumes": [text as written]}
ConfigJson to_json(const config::ServiceSpec& s);
// {NAME: to_json(spec), ...}
ConfigJson to_json(const std::vector<config::ServiceSpec>& services);
// {"name", "bind", "advertise", "join", "zone", "labels", "data_dir", "services_dir",
//  "resources": {"cpu_milli", "memory_mib"}, "gossip": {"profile", "probe_interval_ms", ...},
//  "api": {"listen", "token_file"}, "runtime": {"driver", "socket", "orphan_timeout_ms",
//  "registry_auth"},
//  "reconcile": {"solo_after_ms", "max_starts_per_second", "handoff_timeout_ms"},
//  "security": {"keyring", "label"}, "dns": {"listen", "domain", "ttl_ms", "enabled"}}
ConfigJson to_json(const config::PeerConfig& p);

}  // namespace shoal::node
