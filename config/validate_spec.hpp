// The one validator of a ServiceSpec, whatever it came from: a TOML service file (after the
// reader has checked types and positions) or a spec/<name> value received from gossip (which
// only a type check has seen). A spec that passes can be placed, started and printed without
// overflow or unbounded work. Pure.
//
// Bounds (why each):
//   name            a valid service name (units.hpp: [a-z0-9-], 1..63, no '-' at either end)
//   replicas        0..limits.max_replicas (10,000 by default): placement allocates per instance
//   cpu             0..1,000,000 cores in millicores (what the TOML reader accepts)
//   memory          0..1 EiB in MiB, so that bytes (MiB x 2^20) fit an int64 with room to spare
//   ports           at most 256; names [a-z0-9_-] 1..63 and unique; container and host 1..65535;
//                   no two static host ports equal
//   durations       restart.delay, restart.max_delay, health.interval, health.timeout: 1 ms .. 1
//                   year; stop_grace: 0 .. 1 year; restart.max_delay >= restart.delay.
//                   health.timeout < health.interval is the TOML reader's rule, not this one's:
//                   only a timeout the file sets is refused (the default 2 s may exceed a short
//                   interval), and a gossiped spec is not refused for it; probes cap it at run
//                   time (runtime::capped_timeout)
//   update          parallelism 1..max_replicas; min_healthy_time 0 .. 1 year; healthy_deadline
//                   1 ms .. 1 year; canary 0..replicas (0 with mode = "global")
//   counts          restart.max_attempts 0..1,000,000; health.retries 1..1,000;
//                   placement.max_per_peer 0..max_replicas; at most 64 constraints
//   strings         every string valid UTF-8 without NUL (argv and env reach execve and JSON);
//                   image <= 1 KiB; command and health.exec: 1..1,024 arguments of <= 128 KiB
//                   each (Linux's MAX_ARG_STRLEN); env: <= 1,024 variables, names as a shell
//                   takes them, values <= 128 KiB; command + exec + env <= 1 MiB in all;
//                   health.http_path '/'..., <= 2 KiB; home_peer <= 253 bytes
//   volumes         config/volume.hpp: at most 64; names [a-zA-Z0-9][a-zA-Z0-9_.-]* <= 255;
//                   paths absolute, <= 4 KiB, no `..`; targets not `/`, distinct; ro or rw
//   shape           an image or a command; health http needs a path and one of the service's
//                   ports, tcp a port of the service, exec an argv
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/spec.hpp"
#include "config/utf8.hpp"

namespace shoal::config {

struct SpecLimits {
  int max_replicas = 10'000;
};

inline constexpr std::int64_t kMaxCpuMilli = 1'000'000'000;      // 1,000,000 cores
inline constexpr std::int64_t kMaxMemoryMib = std::int64_t{1} << 40;  // 1 EiB (2^60 bytes)
inline constexpr Millis kMaxSpecDuration = 366LL * 24 * 3600 * 1000;  // a year

// One problem: `field` is the dotted key a TOML file spells it with ("replicas",
// "resources.memory", "ports.http.host"; empty for the service as a whole), `message` names
// the field and the bound.
struct SpecIssue {
  std::string field;
  std::string message;
  friend bool operator==(const SpecIssue&, const SpecIssue&) = default;
};

// Every problem of `spec`, in a fixed order; empty when it is valid.
std::vector<SpecIssue> validate(const ServiceSpec& spec, const SpecLimits& limits = {});

// Empty when valid, else why not (shared with the TOML reader, which reports at the key).
std::string check_port_name(std::string_view name);
std::string check_env_name(std::string_view name);

// The problems joined with "; " (empty when valid), for logs and `shoal status`.
std::string validation_error(const ServiceSpec& spec, const SpecLimits& limits = {});

}  // namespace shoal::config
