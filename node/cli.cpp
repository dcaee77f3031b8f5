#include "node/cli.hpp"

#include <signal.h>

#include <algorithm>
#include <ostream>

#include <CLI/CLI.hpp>

#include "node/agent.hpp"
#include "node/cli_check.hpp"
#include "node/cli_client.hpp"
#include "node/cli_convert.hpp"
#include "node/cli_events.hpp"
#include "node/cli_logs.hpp"
#include "node/cli_top.hpp"
#include "node/cli_examples.hpp"
#include "node/cli_plan.hpp"
#include "node/cli_what_if.hpp"
#include "node/dev_agent.hpp"
#include "node/version_info.hpp"
#include "node/runtime/orphan_watchdog.hpp"

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

  CLI::App* version_cmd = app.add_subcommand(
      "version", "Print the version, the git commit, the gossip protocol and placement algorithm "
                 "versions");
  bool version_json_flag = false;
  version_cmd->add_flag("--json", version_json_flag,
                        "Print {\"version\",\"commit\",\"gossip_protocol\","
                        "\"placement_algorithm\"}");

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

  std::string config_path, log_level = "info";
  CLI::App* agent_cmd = app.add_subcommand("agent", "Run a peer (foreground, logs to stderr)");
  CLI::Option* agent_config =
      agent_cmd->add_option("--config", config_path, "The peer file (TOML)");
  bool dev = false;
  DevOptions dev_opts;
  CLI::Option* dev_flag = agent_cmd->add_flag(
      "--dev", dev, "Instead of --config: one peer on loopback with temporary folders (printed "
                    "at start), the process driver and the fast profile, for trying Shoal");
  agent_cmd->add_option("--bind", dev_opts.bind, "With --dev: the gossip address")
      ->capture_default_str();
  agent_cmd->add_option("--api-listen", dev_opts.api, "With --dev: the API address")
      ->capture_default_str();
  agent_config->excludes(dev_flag);
  agent_cmd->add_option("--log-level", log_level, "trace|debug|info|warn|error|off");
  std::string log_format = "text";
  agent_cmd
      ->add_option("--log-format", log_format,
                   "text (the default) or json: one {\"ts\",\"level\",\"msg\"} object a line")
      ->check(CLI::IsMember({"text", "json"}));
  bool rename = false;
  agent_cmd->add_flag("--rename", rename,
                      "Run under a name other than the one recorded in data_dir/name: the "
                      "instances of the old name are stopped first (placement starts them "
                      "afresh under the new name), then the new name is recorded");

  // Hidden: the docker driver's orphan watchdog, started by the agent (orphan_watchdog.hpp).
  runtime::WatchdogOptions watchdog;
  CLI::App* watchdog_cmd = app.add_subcommand("watchdog", "");
  watchdog_cmd->group("");
  watchdog_cmd->add_option("--data-dir", watchdog.data_dir)->required();
  watchdog_cmd->add_option("--peer", watchdog.peer)->required();
  watchdog_cmd->add_option("--socket", watchdog.socket);
  watchdog_cmd->add_option("--orphan-timeout-ms", watchdog.orphan_timeout)
      ->required()
      ->check(CLI::Range(config::Millis{1}, config::Millis{1} << 40));

  std::string api_flag, token_file;
  auto add_api = [&api_flag, &token_file](CLI::App* c) {
    c->add_option("--api", api_flag,
                  "The peer to talk to: HOST:PORT or unix:PATH (default $SHOAL_API, else the "
                  "socket /var/lib/shoal/api.sock when it answers, else 127.0.0.1:7951)");
    c->add_option("--token-file", token_file,
                  "A file holding the peer's api token, for changes over TCP (or $SHOAL_TOKEN)");
    c->footer("Changes (apply, delete) go over the peer's unix socket, whose file mode decides "
              "who may\nmake them; aimed at a loopback HOST:PORT without a token, the CLI asks "
              "that peer for\nits socket and uses it. Over TCP they need the token of "
              "api.token_file.");
  };
  CLI::App* members_cmd = app.add_subcommand("members", "List the cluster's members");
  members_cmd->add_flag("--json", json, "Print a JSON array");
  add_api(members_cmd);
  CLI::App* services_cmd = app.add_subcommand("services", "List the desired services and how "
                                                          "many instances run");
  services_cmd->add_flag("--json", json, "Print a JSON array");
  add_api(services_cmd);
  CLI::App* ps_cmd = app.add_subcommand("ps", "List every instance, its peer and its state");
  ps_cmd->add_flag("--json", json, "Print a JSON array");
  add_api(ps_cmd);
  std::string endpoints_service;
  bool watch = false;
  CLI::App* endpoints_cmd = app.add_subcommand(
      "endpoints", "List where a service's instances run and how to reach them");
  endpoints_cmd->add_option("SERVICE", endpoints_service, "The service name")->required();
  endpoints_cmd->add_flag("--json", json,
                          "Print the JSON array [{\"service\",\"index\",\"peer\",\"address\","
                          "\"ports\",\"state\"}] (as GET /v1/catalog/SERVICE)");
  endpoints_cmd->add_flag("--watch", watch,
                          "Print again on every change (blocking queries) until Ctrl-C");
  add_api(endpoints_cmd);
  endpoints_cmd->footer(
      "Every instance the peer's live members report, at its peer's advertise address with its\n"
      "host ports, and its state (traffic goes to healthy ones, or running ones when the\n"
      "service has no health check). --watch prints a blank line and the new table (with\n"
      "--json: one array a line) each time the answer changes. Exit 0 ok, 1 unknown service\n"
      "or peer unreachable, 2 bad input.");
  bool follow = false;
  CLI::App* events_cmd = app.add_subcommand("events", "Show what a peer saw happen: members, "
                                                      "its instances, specs");
  events_cmd->add_flag("-f,--follow", follow, "Then print each new event as it happens, until "
                                               "Ctrl-C");
  events_cmd->add_flag("--json", json,
                       "One JSON object a line: {\"seq\",\"ts\",\"kind\",\"peer\",\"service\","
                       "\"index\",\"reason\",\"seen_by\"}");
  add_api(events_cmd);
  events_cmd->footer(
      "Oldest first, from the peer's bounded log (the last 1,000 events of this run):\n"
      "  member.joined|alive|suspect|dead|left|forgotten   peer: the member (reason: who\n"
      "      reported it)\n"
      "  instance.pending|starting|running|healthy|unhealthy|stopping|exited|failed|gone\n"
      "      one of this peer's instances entered that state\n"
      "  spec.changed|deleted   peer: who wrote it (this peer's own writes included)\n"
      "Exit 0 ok (Ctrl-C ends -f with 0), 1 peer unreachable, 2 bad input.");
  LogsOptions logs_opts;
  CLI::App* logs_cmd = app.add_subcommand("logs", "Show a service's output, from any peer");
  logs_cmd->add_option("SERVICE[/INDEX]", logs_opts.what, "The service, or one instance")->required();
  logs_cmd->add_flag("-f,--follow", logs_opts.follow, "Then print new lines (polled each second) until Ctrl-C");
  logs_cmd->add_option("--since", logs_opts.since, "Only lines written in the last D (10m, 1h30m)");
  logs_cmd->add_option("--tail", logs_opts.tail, "At most N lines per instance and stream (default 100, max 10000)");
  logs_cmd->add_option("--peer", logs_opts.peer, "Ask only peer P (an instance that ran there)");
  logs_cmd->add_flag("--json", logs_opts.json, "One JSON object a line: {\"ts\",\"service\",\"index\",\"peer\",\"stream\",\"line\"}");
  add_api(logs_cmd);
  logs_cmd->footer(
      "The peer asked forwards to every peer that runs an instance (over the sealed gossip\n"
      "stream) and merges the lines by time. Process-driver lines carry their log file's last\n"
      "write time (the files have no time per line); docker lines the engine's. Exit 0 ok\n"
      "(Ctrl-C ends -f with 0), 1 no live peer runs it or peer unreachable, 2 bad input.");
  TopOptions top_opts;
  CLI::App* top_cmd = app.add_subcommand("top", "Show CPU and memory in use per peer and instance, live");
  top_cmd->add_flag("--json", top_opts.json,
                    "Print the JSON object once: {\"peers\":[{\"peer\",\"cpu_milli\","
                    "\"cpu_capacity_milli\",\"memory_mib\",\"memory_capacity_mib\",\"age_ms\",...}],"
                    "\"instances\":[{\"service\",\"index\",\"peer\",\"cpu_milli\",\"rss_mib\","
                    "\"age_ms\"}]}");
  top_cmd->add_flag("--once", top_opts.once, "Print one frame and exit");
  top_cmd->add_option("--interval", top_opts.interval, "Time between two frames (default 2s)");
  add_api(top_cmd);
  top_cmd->footer(
      "Every peer measures the CPU (milli-cores, m) and memory (MiB) in use on its host, by the\n"
      "agent itself and by each instance (process driver: its processes or cgroup; docker: the\n"
      "engine's stats) every 5 s, and gossips a compact summary (cpu: the mean since its last\n"
      "one) when it changed by a meaningful amount: at most every 30 s (longer past 20 peers),\n"
      "at least every 5 min. So other peers' rows are coarse and up to AGE old; the peer asked\n"
      "shows its own latest reading (--api that peer for fresh numbers of one host). PEER: host\n"
      "used / capacity; AGENT: the shoal agent's own cpu and rss. Instances follow, busiest\n"
      "first. A peer that has not measured yet is absent. Exit 0 ok (Ctrl-C ends the live view\n"
      "with 0), 1 peer unreachable, 2 bad input.");
  std::string down_peers, down_zone;
  CLI::App* what_if_cmd = app.add_subcommand(
      "what-if", "Show what would move where, and what would go unplaced, if peers went down");
  CLI::Option* down_opt =
      what_if_cmd->add_option("--down", down_peers, "The peers to take down: PEER[,PEER...]");
  CLI::Option* zone_opt =
      what_if_cmd->add_option("--down-zone", down_zone, "Take down every peer of ZONE");
  what_if_cmd->add_flag("--json", json,
                        "Print the JSON object {\"moves\":[{\"service\",\"index\",\"from\","
                        "\"to\"}],\"unplaced\":[{\"service\",\"index\",\"from\",\"reason\"}],"
                        "\"down\":[PEER...]}");
  add_api(what_if_cmd);
  what_if_cmd->footer(
      "Runs placement on the peer's current view as it is and with those peers dead, and\n"
      "prints every instance whose peer would change (SERVICE INDEX FROM TO), then every one\n"
      "that would find no peer (capacity short, constraints) with placement's reason. Nothing\n"
      "changes in the cluster. Give exactly one of --down and --down-zone. Exit 0 ok, 1 peer\n"
      "unreachable, 2 bad input (an unknown peer or zone is named).");
  CLI::App* status_cmd = app.add_subcommand("status", "Show a peer's view of the cluster");
  status_cmd->add_flag("--json", json, "Print a JSON object");
  add_api(status_cmd);

  std::string apply_file, delete_name;
  CLI::App* apply_cmd =
      app.add_subcommand("apply", "Validate a service file and write it into the peer's "
                                  "services_dir");
  apply_cmd->add_option("FILE", apply_file, "A service file (TOML)")->required();
  bool plan = false;
  apply_cmd->add_flag("--plan", plan,
                      "Write nothing: print what applying FILE would change (each service new, "
                      "changed or unchanged; each instance's peer now and after, and its action: "
                      "start, restart, move, stop, keep or unplaced)");
  apply_cmd->add_flag("--json", json, "With --plan: print the plan as JSON {\"services\":[...]}");
  add_api(apply_cmd);
  CLI::App* delete_cmd = app.add_subcommand("delete", "Delete a service cluster-wide (its file "
                                                      "becomes NAME.toml.deleted)");
  delete_cmd->add_option("NAME", delete_name, "The service name")->required();
  add_api(delete_cmd);

  CLI::App* keygen_cmd = app.add_subcommand("keygen", "Print a new base64 cluster key");
  std::string keys_op, keys_key, keyring_flag;
  CLI::App* keys_cmd = app.add_subcommand(
      "keys", "Rotate the cluster key on every live peer: list | install KEY | use KEY | "
              "remove KEY");
  keys_cmd->add_option("OP", keys_op, "list, install, use or remove")
      ->required()
      ->check(CLI::IsMember({"list", "install", "use", "remove"}));
  keys_cmd->add_option("KEY", keys_key, "A base64 key (install, use, remove)");
  keys_cmd->add_option("--keyring", keyring_flag,
                       "Edit this keyring file only (offline; SIGHUP makes a peer reload it)");
  keys_cmd->add_option("--config", config_path, "Edit the keyring file this peer file names");
  keys_cmd->add_flag("--json", json, "list: print the peer's JSON answer");
  add_api(keys_cmd);
  keys_cmd->footer(
      "Without --keyring/--config the operation goes through the peer's API to every live\n"
      "peer, which rewrites its keyring file (0600); install/use/remove wait up to 30 s and\n"
      "print which peers adopted it (exit 1 if some did not). A rotation without downtime:\n"
      "  shoal keys install NEW    # every peer opens with NEW too\n"
      "  shoal keys use NEW        # every peer seals with NEW (refused until all have it)\n"
      "  shoal keys remove OLD\n"
      "list shows key fingerprints, never keys.\n");

  ConvertOptions convert;
  CLI::App* convert_cmd = add_convert_command(app, convert);
  add_cli_examples(app);

  // An unknown first word is an unknown command, said plainly (CLI11 would call it an
  // unexpected argument).
  const std::vector<std::string> commands{"agent", "members", "services", "ps",     "status",
                                          "apply", "delete",  "check",    "keygen", "keys",
                                          "version", "endpoints", "what-if", "events", "logs", "top",
                                          "watchdog", "convert"};
  if (!args.empty() && !args[0].empty() && args[0][0] != '-' &&
      std::find(commands.begin(), commands.end(), args[0]) == commands.end()) {
    err << "shoal: unknown command `" << args[0]
        << "` (commands: agent, members, services, ps, endpoints, what-if, events, logs, top, status, apply, "
           "delete, check, convert, keygen, keys, version; see `shoal --help`)\n";
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
    out << version_text(version_info());
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string sub;
    for (const CLI::App* c : app.get_subcommands()) sub = c->get_name();
    err << (sub.empty() ? std::string("shoal: ") : "shoal " + sub + ": ") << e.what()
        << " (see `shoal " << (sub.empty() ? "" : sub + " ") << "--help`)\n";
    return 2;
  }

  if (version_cmd->parsed()) {
    const VersionInfo v = version_info();
    out << (version_json_flag ? version_json(v).dump() + "\n" : version_text(v));
    return 0;
  }
  if (check_cmd->parsed()) return run_check(files, json, out, err);
  if (convert_cmd->parsed()) return run_convert(convert, out, err);
  if (agent_cmd->parsed()) {
    // A reader of stderr that goes away (`| head`, a dead log shipper) must not kill the peer:
    // writes then fail with EPIPE instead. Instances get SIGPIPE back (the supervisor resets it).
    ::signal(SIGPIPE, SIG_IGN);
    const AgentOptions opts{config_path, log_level, log_format, rename};
    const bool dev_only = agent_cmd->count("--bind") + agent_cmd->count("--api-listen") > 0;
    if (!dev && config_path.empty()) {
      err << "shoal agent: --config FILE is required (or --dev; see `shoal agent --help`)\n";
      return 2;
    }
    if (!dev && dev_only) {
      err << "shoal agent: --bind and --api-listen go with --dev (a peer file sets bind and "
             "api.listen)\n";
      return 2;
    }
    return dev ? run_dev_agent(opts, dev_opts, out, err) : run_agent(opts, err);
  }
  if (watchdog_cmd->parsed()) return runtime::run_orphan_watchdog(watchdog);
  if (keygen_cmd->parsed()) return cmd_keygen(out, err);
  if (keys_cmd->parsed() && (!keyring_flag.empty() || !config_path.empty())) {
    return cmd_keys(keys_op, keys_key, keyring_flag, config_path, out, err);
  }
  ApiTarget api;
  std::string api_error;
  if (!resolve_api(api_flag, api, api_error) ||
      (!token_file.empty() && !read_cli_token(token_file, api, api_error))) {
    err << "shoal: " << api_error << "\n";
    return 2;
  }
  prefer_local_socket(api);
  if (keys_cmd->parsed()) return cmd_keys_cluster(api, keys_op, keys_key, json, 30000, out, err);
  if (members_cmd->parsed()) return cmd_members(api, json, out, err);
  if (services_cmd->parsed()) return cmd_services(api, json, out, err);
  if (ps_cmd->parsed()) return cmd_ps(api, json, out, err);
  if (endpoints_cmd->parsed()) {
    return cmd_endpoints(api, endpoints_service, json, watch, out, err);
  }
  if (status_cmd->parsed()) return cmd_status(api, json, out, err);
  if (events_cmd->parsed()) return cmd_events(api, follow, json, out, err);
  if (logs_cmd->parsed()) return cmd_logs(api, logs_opts, out, err);
  if (top_cmd->parsed()) return cmd_top(api, top_opts, out, err);
  if (what_if_cmd->parsed()) {
    auto given = [](const CLI::Option* o, const std::string& v) {
      return o->count() > 0 ? std::optional<std::string>(v) : std::nullopt;
    };
    return cmd_what_if(api, given(down_opt, down_peers), given(zone_opt, down_zone), json, out,
                       err);
  }
  if (apply_cmd->parsed()) {
    if (json && !plan) {
      err << "shoal apply: --json goes with --plan (see `shoal apply --help`)\n";
      return 2;
    }
    return plan ? cmd_plan(api, apply_file, json, out, err) : cmd_apply(api, apply_file, out, err);
  }
  if (delete_cmd->parsed()) return cmd_delete(api, delete_name, out, err);
  err << app.help();
  return 2;
}

}  // namespace shoal::node
