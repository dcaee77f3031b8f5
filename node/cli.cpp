#include "node/cli.hpp"

#include <algorithm>
#include <ostream>

#include <CLI/CLI.hpp>

#include "node/cli_check.hpp"

#ifndef SHOAL_VERSION
#define SHOAL_VERSION "0.0.0"
#endif

namespace shoal::node {

const char* version() { return SHOAL_VERSION; }

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Shoal: a decentralised container scheduler (no control plane, SWIM gossip)",
               "shoal"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("shoal ") + version());
  app.fallthrough(false);

  CLI::App* version_cmd = app.add_subcommand("version", "Print the version and exit");

  bool json = false;
  std::vector<std::string> files;
  CLI::App* check_cmd =
      app.add_subcommand("check", "Validate service and peer files (exit 0 valid, 2 invalid)");
  check_cmd->footer(
      "A file whose top level has a [service.NAME] table is a service file; any other is a\n"
      "peer file. Errors print as `path:line:col: message` on stderr; valid files as\n"
      "`path: ok (...)` on stdout. --json prints durations in *_ms, memory in *_mib and cpu\n"
      "in *_milli keys.");
  check_cmd->add_flag("--json", json,
                      "Print a JSON array, one {\"file\",\"kind\",\"value\"} object per file");
  check_cmd->add_option("FILE", files, "Files to check")->required()->expected(1, -1);

  // An unknown first word is an unknown command, said plainly (CLI11 would call it an
  // unexpected argument).
  const std::vector<std::string> commands{"version", "check"};
  if (!args.empty() && !args[0].empty() && args[0][0] != '-' &&
      std::find(commands.begin(), commands.end(), args[0]) == commands.end()) {
    err << "shoal: unknown command `" << args[0]
        << "` (commands: check, version; see `shoal --help`)\n";
    return 2;
  }
  if (args.empty()) {
    err << app.help();
    return 2;
  }

  std::vector<const char*> argv{"shoal"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    // Help of the innermost subcommand that was named, like CLI11's own exit() does.
    const CLI::App* target = &app;
    for (const CLI::App* sub : app.get_subcommands()) target = sub;
    out << (target == &app ? app.help() : target->help("shoal"));
    return 0;
  } catch (const CLI::CallForVersion&) {
    out << "shoal " << version() << "\n";
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    const bool in_check = check_cmd->parsed();
    err << (in_check ? "shoal check: " : "shoal: ") << e.what() << " (see `shoal "
        << (in_check ? "check " : "") << "--help`)\n";
    return 2;
  }

  if (version_cmd->parsed()) {
    out << "shoal " << version() << "\n";
    return 0;
  }
  if (check_cmd->parsed()) return run_check(files, json, out, err);
  err << app.help();
  return 2;
}

}  // namespace shoal::node
