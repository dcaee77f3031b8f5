// The subcommands that run without asking a peer (see cli_command.hpp).
#include <signal.h>

#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "node/agent.hpp"
#include "node/cli.hpp"
#include "node/cli_check.hpp"
#include "node/cli_command.hpp"
#include "node/cli_convert.hpp"
#include "node/dev_agent.hpp"
#include "node/runtime/orphan_watchdog.hpp"
#include "node/version_info.hpp"

namespace shoal::node {

Command version_command(CLI::App& app, CliIo io) {
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(
      "version", "Print the version, the git commit, the gossip protocol and placement algorithm "
                 "versions");
  sub->add_flag("--json", *json,
                "Print {\"version\",\"commit\",\"gossip_protocol\","
                "\"placement_algorithm\"}");
  return {sub, [json, io]() -> std::optional<int> {
            const VersionInfo v = version_info();
            io.out << (*json ? version_json(v).dump() + "\n" : version_text(v));
            return 0;
          },
          nullptr};
}

Command check_command(CLI::App& app, CliIo io) {
  struct Options {
    bool json = false;
    std::vector<std::string> files;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub =
      app.add_subcommand("check", "Validate service and peer files (exit 0 valid, 2 invalid)");
  sub->footer(
      "A file whose top level has a [service.NAME] table is a service file; any other is a\n"
      "peer file. Errors print as `path:line:col: message` on stderr; valid files as\n"
      "`path: ok (...)` on stdout. --json prints durations in *_ms, memory in *_mib and cpu\n"
      "in *_milli keys.");
  sub->add_flag("--json", o->json,
                "Print a JSON array, one {\"file\",\"kind\",\"value\"} object per file");
  sub->add_option("FILE", o->files, "Files to check")->required()->expected(1, -1);
  return {sub, [o, io]() -> std::optional<int> { return run_check(o->files, o->json, io.out, io.err); }, nullptr};
}

namespace {

struct AgentFlags {
  std::string config_path, log_level = "info", log_format = "text";
  bool dev = false, rename = false;
  DevOptions dev_opts;
};

int run_agent_command(const AgentFlags& f, const CLI::App* sub, CliIo io) {
  // A reader of stderr that goes away (`| head`, a dead log shipper) must not kill the peer:
  // writes then fail with EPIPE instead. Instances get SIGPIPE back (the supervisor resets it).
  ::signal(SIGPIPE, SIG_IGN);
  const AgentOptions opts{f.config_path, f.log_level, f.log_format, f.rename};
  const bool dev_only = sub->count("--bind") + sub->count("--api-listen") > 0;
  if (!f.dev && f.config_path.empty()) {
    io.err << "shoal agent: --config FILE is required (or --dev; see `shoal agent --help`)\n";
    return 2;
  }
  if (!f.dev && dev_only) {
    io.err << "shoal agent: --bind and --api-listen go with --dev (a peer file sets bind and "
              "api.listen)\n";
    return 2;
  }
  return f.dev ? run_dev_agent(opts, f.dev_opts, io.out, io.err) : run_agent(opts, io.err);
}

}  // namespace

Command agent_command(CLI::App& app, CliIo io) {
  auto f = std::make_shared<AgentFlags>();
  CLI::App* sub = app.add_subcommand("agent", "Run a peer (foreground, logs to stderr)");
  CLI::Option* config = sub->add_option("--config", f->config_path, "The peer file (TOML)");
  CLI::Option* dev = sub->add_flag(
      "--dev", f->dev, "Instead of --config: one peer on loopback with temporary folders (printed "
                       "at start), the process driver and the fast profile, for trying Shoal");
  sub->add_option("--bind", f->dev_opts.bind, "With --dev: the gossip address")
      ->capture_default_str();
  sub->add_option("--api-listen", f->dev_opts.api, "With --dev: the API address")
      ->capture_default_str();
  config->excludes(dev);
  sub->add_option("--log-level", f->log_level, "trace|debug|info|warn|error|off");
  sub->add_option("--log-format", f->log_format,
                  "text (the default) or json: one {\"ts\",\"level\",\"msg\"} object a line")
      ->check(CLI::IsMember({"text", "json"}));
  sub->add_flag("--rename", f->rename,
                "Run under a name other than the one recorded in data_dir/name: the "
                "instances of the old name are stopped first (placement starts them "
                "afresh under the new name), then the new name is recorded");
  return {sub, [f, sub, io]() -> std::optional<int> { return run_agent_command(*f, sub, io); }, nullptr};
}

// Hidden: the docker driver's orphan watchdog, started by the agent (orphan_watchdog.hpp).
Command watchdog_command(CLI::App& app) {
  auto w = std::make_shared<runtime::WatchdogOptions>();
  CLI::App* sub = app.add_subcommand("watchdog", "");
  sub->group("");
  sub->add_option("--data-dir", w->data_dir)->required();
  sub->add_option("--peer", w->peer)->required();
  sub->add_option("--socket", w->socket);
  sub->add_option("--orphan-timeout-ms", w->orphan_timeout)
      ->required()
      ->check(CLI::Range(config::Millis{1}, config::Millis{1} << 40));
  return {sub, [w]() -> std::optional<int> { return runtime::run_orphan_watchdog(*w); }, nullptr};
}

Command keygen_command(CLI::App& app, CliIo io) {
  CLI::App* sub = app.add_subcommand("keygen", "Print a new base64 cluster key");
  return {sub, [io]() -> std::optional<int> { return cmd_keygen(io.out, io.err); }, nullptr};
}

Command convert_command(CLI::App& app, CliIo io) {
  auto o = std::make_shared<ConvertOptions>();
  CLI::App* sub = add_convert_command(app, *o);
  return {sub, [o, io]() -> std::optional<int> { return run_convert(*o, io.out, io.err); }, nullptr};
}

Command keys_command(CLI::App& app, ApiFlags& api, CliIo io) {
  struct Options {
    std::string op, key, keyring, config;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "keys", "Rotate the cluster key on every live peer: list | install KEY | use KEY | "
              "remove KEY");
  sub->add_option("OP", o->op, "list, install, use or remove")
      ->required()
      ->check(CLI::IsMember({"list", "install", "use", "remove"}));
  sub->add_option("KEY", o->key, "A base64 key (install, use, remove)");
  sub->add_option("--keyring", o->keyring,
                  "Edit this keyring file only (offline; SIGHUP makes a peer reload it)");
  sub->add_option("--config", o->config, "Edit the keyring file this peer file names");
  sub->add_flag("--json", o->json, "list: print the peer's JSON answer");
  add_api_flags(sub, api);
  sub->footer(
      "Without --keyring/--config the operation goes through the peer's API to every live\n"
      "peer, which rewrites its keyring file (0600); install/use/remove wait up to 30 s and\n"
      "print which peers adopted it (exit 1 if some did not). A rotation without downtime:\n"
      "  shoal keys install NEW    # every peer opens with NEW too\n"
      "  shoal keys use NEW        # every peer seals with NEW (refused until all have it)\n"
      "  shoal keys remove OLD\n"
      "list shows key fingerprints, never keys.\n");
  auto offline = [o, io]() -> std::optional<int> {
    if (o->keyring.empty() && o->config.empty()) return std::nullopt;
    return cmd_keys(o->op, o->key, o->keyring, o->config, io.out, io.err);
  };
  auto online = [o, io](const ApiTarget& t) {
    return cmd_keys_cluster(t, o->op, o->key, o->json, 30000, io.out, io.err);
  };
  return {sub, offline, online};
}

}  // namespace shoal::node
