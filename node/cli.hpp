// The `shoal` command line: parses arguments, runs one subcommand, returns the exit code
// (0 ok, 1 operation failed, 2 bad input). Each subcommand: node/cli_command.hpp.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace shoal::node {

// The version printed by `shoal version`, e.g. "0.1.0".
const char* version();

// `args` excludes the program name. Output goes to `out`, messages and errors to `err`.
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace shoal::node
