// The small value languages of a compose file, as pure functions over text: cpus, memory sizes,
// port specs, placement constraints, `$VAR` interpolation. Each returns the Shoal value or says
// why there is none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.hpp"

namespace shoal::convert {

// "0.5", "2", ".25" (cores) -> millicores (rounded to the nearest).
config::Checked<std::int64_t> parse_cpus(std::string_view text);
// Docker's sizes: a number with an optional unit b, k, m, g, t (binary, case-insensitive,
// optionally followed by "b" or "ib"): "512m", "1.5G", "100MB", "1048576" -> MiB rounded up.
config::Checked<std::int64_t> parse_memory_mib(std::string_view text);

// One published port of the short syntax `[IP:][HOST:]CONTAINER[/PROTO]`.
struct PortSpec {
  std::string host_ip;             // empty: every address
  std::optional<std::uint16_t> host;
  std::uint16_t container = 0;
  std::string protocol = "tcp";
};
// A range ("8000-8010:80") is refused: Shoal names each port.
config::Checked<PortSpec> parse_port_spec(std::string_view text);

// `node.labels.KEY == VALUE` -> `label.KEY == VALUE`, `node.hostname != h` -> `name != h`;
// anything else (node.role, node.id, node.platform.*, engine.labels.*) says why not.
config::Checked<std::string> translate_constraint(std::string_view text);

// The candidate closest to `word` (a typo's "did you mean"), or empty when none is close.
std::string closest(std::string_view word, const std::vector<std::string_view>& candidates);

// Compose replaces `$VAR` and `${VAR...}` from the shell and `$$` by `$`. Shoal substitutes
// nothing: `$$` becomes `$`, `${VAR:-default}` and `${VAR-default}` become their default (what
// compose gives when VAR is unset), and any other variable stays as written.
struct Interpolated {
  std::string text;
  bool used_defaults = false;   // some ${VAR:-default} was replaced by its default
  bool kept_variables = false;  // some $VAR or ${VAR} was left as written
};
Interpolated unescape_dollars(std::string_view text);

}  // namespace shoal::convert
