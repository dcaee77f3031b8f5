// One subcommand of `shoal`: its flags (kept alive by what it runs) and what it runs. A command
// that talks to a peer says so: run_cli resolves the peer (--api, --token-file) only for those.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "node/cli_client.hpp"

namespace CLI {
class App;
}

namespace shoal::node {

struct CliIo {
  std::ostream& out;
  std::ostream& err;
};

// --api and --token-file, shared by every command that talks to a peer.
struct ApiFlags {
  std::string api, token_file;
};
void add_api_flags(CLI::App* sub, ApiFlags& flags);

struct Command {
  CLI::App* sub = nullptr;
  // Runs without a peer; std::nullopt = it needs one after all (keys without --keyring).
  std::function<std::optional<int>()> local;
  std::function<int(const ApiTarget&)> remote;  // with the peer resolved
};

// The commands that need no peer: version, check, agent, watchdog (hidden), keygen, convert.
Command version_command(CLI::App& app, CliIo io);
Command check_command(CLI::App& app, CliIo io);
Command agent_command(CLI::App& app, CliIo io);
Command watchdog_command(CLI::App& app);
Command keygen_command(CLI::App& app, CliIo io);
Command convert_command(CLI::App& app, CliIo io);
// keys: offline with --keyring or --config, else through the peer.
Command keys_command(CLI::App& app, ApiFlags& api, CliIo io);

// The commands that ask a peer.
Command members_command(CLI::App& app, ApiFlags& api, CliIo io);
Command services_command(CLI::App& app, ApiFlags& api, CliIo io);
Command ps_command(CLI::App& app, ApiFlags& api, CliIo io);
Command endpoints_command(CLI::App& app, ApiFlags& api, CliIo io);
Command events_command(CLI::App& app, ApiFlags& api, CliIo io);
Command logs_command(CLI::App& app, ApiFlags& api, CliIo io);
Command what_if_command(CLI::App& app, ApiFlags& api, CliIo io);
Command status_command(CLI::App& app, ApiFlags& api, CliIo io);
Command apply_command(CLI::App& app, ApiFlags& api, CliIo io);
Command delete_command(CLI::App& app, ApiFlags& api, CliIo io);
Command top_command(CLI::App& app, ApiFlags& api, CliIo io);  // node/cli_top.cpp
// history, revert and promote: node/cli_deploy.cpp.
Command history_command(CLI::App& app, ApiFlags& api, CliIo io);
Command revert_command(CLI::App& app, ApiFlags& api, CliIo io);
Command promote_command(CLI::App& app, ApiFlags& api, CliIo io);

}  // namespace shoal::node
