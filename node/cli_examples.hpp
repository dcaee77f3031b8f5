// `--help` that teaches: every command's help ends with examples (and the top-level help says
// where to start). Kept apart from the option definitions in cli.cpp.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace shoal::node {

// The examples of `command` (a subcommand's name), "" for none.
std::string cli_examples(const std::string& command);

// Appends each subcommand's examples to its footer, and the top-level footer to `app`.
void add_cli_examples(CLI::App& app);

}  // namespace shoal::node
