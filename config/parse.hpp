// Service files and peer files: TOML text -> validated structs, or every error in the file.
// Pure: the caller reads the file and passes its text, plus the path used in messages.
//
// Conventions (all errors are reported at once, sorted by position):
// - A TOML syntax error stops parsing; it is reported at toml++'s position.
// - An unknown key is reported at the key, with a "did you mean" hint when one is close.
// - A wrong type or a bad value is reported at the value.
// - Durations must be strings with a unit ("5s"); bare integers are rejected.
// - env values and labels: strings, integers and booleans are accepted and kept as text
//   (8080 -> "8080", true -> "true"); floats and other types are rejected.
// - `home_peer` is rejected in service files: the peer sets it when it publishes the file.
#pragma once

#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"
#include "config/spec.hpp"

namespace shoal::config {

enum class FileKind { service, peer };

// A file whose top level has a `service` table is a service file; anything else is a peer file.
// Text that is not valid TOML is classified by its lines: a `[service.` / `[service]` header or
// a `service.` / `service =` key makes it a service file.
FileKind detect_kind(std::string_view text);

// Several [service.NAME] tables per file; the result is sorted by name.
Parsed<std::vector<ServiceSpec>> parse_service_file(std::string_view text, std::string_view path);
// The same, with a peer's limits (PeerConfig::limits) in place of the defaults.
Parsed<std::vector<ServiceSpec>> parse_service_file(std::string_view text, std::string_view path,
                                                     int max_replicas);
Parsed<PeerConfig> parse_peer_file(std::string_view text, std::string_view path);

}  // namespace shoal::config
