// `shoal convert COMPOSE.yml [-o DIR] [--json] [--force] [--strict]`: the thin wrapper around
// convert::convert_compose (node/convert/compose.hpp) that reads the file and writes the results.
// Exit 0 converted (what was not is listed on stderr), 1 a file could not be written or exists
// already, 2 bad input (not a compose file, invalid YAML, unreadable; with --strict, anything
// not converted).
#pragma once

#include <iosfwd>
#include <string>

namespace CLI {
class App;
}

namespace shoal::node {

struct ConvertOptions {
  std::string file;     // the compose file, or "-" for stdin
  std::string out_dir;  // empty: every service file on stdout
  bool json = false;
  bool force = false;   // overwrite existing NAME.toml files in out_dir
  bool strict = false;  // refuse (exit 2, nothing written) when anything is not converted
};

// Declares the `convert` subcommand on `app`, filling `o` when parsed.
CLI::App* add_convert_command(CLI::App& app, ConvertOptions& o);

int run_convert(const ConvertOptions& o, std::ostream& out, std::ostream& err);

}  // namespace shoal::node
