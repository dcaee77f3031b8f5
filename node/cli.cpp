#include "node/cli.hpp"

#include <optional>
#include <ostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "node/cli_command.hpp"
#include "node/cli_examples.hpp"
#include "node/version_info.hpp"

#ifndef SHOAL_VERSION
#define SHOAL_VERSION "0.0.0"
#endif

namespace shoal::node {

const char* version() { return SHOAL_VERSION; }

namespace {

// Every subcommand, in the order --help and the unknown-command message list them.
std::vector<Command> all_commands(CLI::App& app, ApiFlags& api, CliIo io) {
  return {agent_command(app, io),         members_command(app, api, io),
          services_command(app, api, io), ps_command(app, api, io),
          endpoints_command(app, api, io), what_if_command(app, api, io),
          events_command(app, api, io),   logs_command(app, api, io),
          top_command(app, api, io),      status_command(app, api, io),   apply_command(app, api, io),
          history_command(app, api, io),  revert_command(app, api, io),   promote_command(app, api, io),
          delete_command(app, api, io),   check_command(app, io),
          convert_command(app, io),       keygen_command(app, io),
          keys_command(app, api, io),     version_command(app, io),
          watchdog_command(app)};
}

// An unknown first word is an unknown command, said plainly (CLI11 would call it an
// unexpected argument). Hidden commands (no group) are accepted but not listed.
bool unknown_command(const std::vector<std::string>& args, const std::vector<Command>& commands,
                     std::ostream& err) {
  if (args.empty() || args[0].empty() || args[0][0] == '-') return false;
  std::string listed;
  for (const Command& c : commands) {
    if (c.sub->get_name() == args[0]) return false;
    if (!c.sub->get_group().empty()) listed += (listed.empty() ? "" : ", ") + c.sub->get_name();
  }
  err << "shoal: unknown command `" << args[0] << "` (commands: " << listed
      << "; see `shoal --help`)\n";
  return true;
}

// Parses; an exit code when that ends the run (help, version, a parse error).
std::optional<int> parse(CLI::App& app, const std::vector<std::string>& args, CliIo io) {
  std::vector<const char*> argv{"shoal"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    // Help of the innermost subcommand that was named, like CLI11's own exit() does.
    const CLI::App* target = &app;
    for (const CLI::App* sub : app.get_subcommands()) target = sub;
    io.out << (target == &app ? app.help() : target->help("shoal"));
    return 0;
  } catch (const CLI::CallForVersion&) {
    io.out << version_text(version_info());
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    io.out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string sub;
    for (const CLI::App* c : app.get_subcommands()) sub = c->get_name();
    io.err << (sub.empty() ? std::string("shoal: ") : "shoal " + sub + ": ") << e.what()
           << " (see `shoal " << (sub.empty() ? "" : sub + " ") << "--help`)\n";
    return 2;
  }
  return std::nullopt;
}

int run_remote(const Command& c, const ApiFlags& flags, std::ostream& err) {
  ApiTarget api;
  std::string api_error;
  if (!resolve_api(flags.api, api, api_error) ||
      (!flags.token_file.empty() && !read_cli_token(flags.token_file, api, api_error))) {
    err << "shoal: " << api_error << "\n";
    return 2;
  }
  prefer_local_socket(api);
  // A peer's answer is outside input: one with a field of an unexpected type (a hostile
  // endpoint, a newer version) ends the command with an error, never an abort.
  try {
    return c.remote(api);
  } catch (const nlohmann::json::exception& e) {
    err << "shoal " << c.sub->get_name() << ": the peer's answer could not be read: " << e.what()
        << "\n";
    return 1;
  }
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  CLI::App app{"Shoal: a decentralised container scheduler (no control plane, SWIM gossip)",
               "shoal"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("shoal ") + version());
  app.fallthrough(false);
  ApiFlags api;
  const CliIo io{out, err};
  const std::vector<Command> commands = all_commands(app, api, io);
  add_cli_examples(app);
  if (unknown_command(args, commands, err)) return 2;
  if (args.empty()) {
    err << app.help();
    return 2;
  }
  if (auto rc = parse(app, args, io)) return *rc;
  for (const Command& c : commands) {
    if (!c.sub->parsed()) continue;
    if (c.local)
      if (auto rc = c.local()) return *rc;
    return run_remote(c, api, err);
  }
  err << app.help();
  return 2;
}

}  // namespace shoal::node
