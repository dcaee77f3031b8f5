// Parsers for the units used in Shoal's TOML files. Pure functions over text.
//
//   durations  "500ms", "2s", "1m30s", "1.5h": units h, m, s, ms, each at most once, largest
//              first; decimals allowed if the result is a whole number of milliseconds.
//              A bare number (no unit) is rejected: the TOML readers never guess a unit.
//   sizes      "256MiB", "1GiB", "1.5GiB", "512KiB", "100B"; IEC units B KiB MiB GiB TiB, also
//              written Ki Mi Gi Ti or K M G T (binary, as docker-compose reads "512M"). Decimal
//              units (MB, GB) are rejected as ambiguous. Results round UP to whole MiB.
//   cpu        "500m" (millicores) as text; cores as a TOML number are handled by the reader.
//   addresses  "host:port", "[::1]:7950"; port 1..65535; IPv6 only in brackets.
//   names      service names [a-z0-9-], 1..63, no leading or trailing '-'.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/diagnostic.hpp"
#include "config/spec.hpp"

namespace shoal::config {

Checked<Millis> parse_duration(std::string_view text);
Checked<std::int64_t> parse_size_mib(std::string_view text);
Checked<std::int64_t> parse_millicores(std::string_view text);  // "500m"
Checked<Address> parse_address(std::string_view text);
// MiB for a byte count, rounded up. Negative input is the caller's error.
std::int64_t bytes_to_mib_ceil(std::int64_t bytes);

// Empty string when `name` is a valid service name, else why not.
std::string check_service_name(std::string_view name);

// "1m30s"-style text for a duration in ms (for messages): the inverse of parse_duration.
std::string format_duration(Millis ms);

}  // namespace shoal::config
