// The subcommands that ask a peer (see cli_command.hpp).
#include <memory>
#include <ostream>

#include <CLI/CLI.hpp>

#include "config/units.hpp"
#include "node/cli_command.hpp"
#include "node/cli_deploy.hpp"
#include "node/cli_events.hpp"
#include "node/cli_logs.hpp"
#include "node/cli_plan.hpp"
#include "node/cli_top.hpp"
#include "node/cli_what_if.hpp"

namespace shoal::node {

void add_api_flags(CLI::App* sub, ApiFlags& flags) {
  sub->add_option("--api", flags.api,
                  "The peer to talk to: HOST:PORT or unix:PATH (default $SHOAL_API, else the "
                  "socket /var/lib/shoal/api.sock when it answers, else 127.0.0.1:7951)");
  sub->add_option("--token-file", flags.token_file,
                  "A file holding the peer's api token, for changes over TCP (or $SHOAL_TOKEN)");
  sub->footer("Changes (apply, delete) go over the peer's unix socket, whose file mode decides "
              "who may\nmake them; aimed at a loopback HOST:PORT without a token, the CLI asks "
              "that peer for\nits socket and uses it. Over TCP they need the token of "
              "api.token_file.");
}

namespace {

using Listing = int (*)(const ApiTarget&, bool, std::ostream&, std::ostream&);

// members, services, ps, status: a table, or --json.
Command listing(CLI::App& app, ApiFlags& api, CliIo io, const char* name, const char* about,
                const char* json_help, Listing run) {
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(name, about);
  sub->add_flag("--json", *json, json_help);
  add_api_flags(sub, api);
  return {sub, nullptr, [json, io, run](const ApiTarget& t) { return run(t, *json, io.out, io.err); }};
}

}  // namespace

Command members_command(CLI::App& app, ApiFlags& api, CliIo io) {
  return listing(app, api, io, "members", "List the cluster's members", "Print a JSON array",
                 cmd_members);
}

Command services_command(CLI::App& app, ApiFlags& api, CliIo io) {
  return listing(app, api, io, "services",
                 "List the desired services and how many instances run", "Print a JSON array",
                 cmd_services);
}

Command ps_command(CLI::App& app, ApiFlags& api, CliIo io) {
  return listing(app, api, io, "ps", "List every instance, its peer and its state",
                 "Print a JSON array", cmd_ps);
}

Command status_command(CLI::App& app, ApiFlags& api, CliIo io) {
  return listing(app, api, io, "status", "Show a peer's view of the cluster", "Print a JSON object",
                 cmd_status);
}

Command endpoints_command(CLI::App& app, ApiFlags& api, CliIo io) {
  struct Options {
    std::string service;
    bool json = false, watch = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "endpoints", "List where a service's instances run and how to reach them");
  sub->add_option("SERVICE", o->service, "The service name")->required();
  sub->add_flag("--json", o->json,
                "Print the JSON array [{\"service\",\"index\",\"peer\",\"address\","
                "\"ports\",\"state\"}] (as GET /v1/catalog/SERVICE)");
  sub->add_flag("--watch", o->watch, "Print again on every change (blocking queries) until Ctrl-C");
  add_api_flags(sub, api);
  sub->footer(
      "Every instance the peer's live members report, at its peer's advertise address with its\n"
      "host ports, and its state (traffic goes to healthy ones, or running ones when the\n"
      "service has no health check). --watch prints a blank line and the new table (with\n"
      "--json: one array a line) each time the answer changes. Exit 0 ok, 1 unknown service\n"
      "or peer unreachable, 2 bad input.");
  return {sub, nullptr, [o, io](const ApiTarget& t) {
            return cmd_endpoints(t, o->service, o->json, o->watch, io.out, io.err);
          }};
}

Command events_command(CLI::App& app, ApiFlags& api, CliIo io) {
  struct Options {
    bool follow = false, json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("events", "Show what a peer saw happen: members, "
                                               "its instances, specs");
  sub->add_flag("-f,--follow", o->follow, "Then print each new event as it happens, until "
                                          "Ctrl-C");
  sub->add_flag("--json", o->json,
                "One JSON object a line: {\"seq\",\"ts\",\"kind\",\"peer\",\"service\","
                "\"index\",\"reason\",\"seen_by\"}");
  add_api_flags(sub, api);
  sub->footer(
      "Oldest first, from the peer's bounded log (the last 1,000 events of this run):\n"
      "  member.joined|alive|suspect|dead|left|forgotten   peer: the member (reason: who\n"
      "      reported it)\n"
      "  instance.pending|starting|running|healthy|unhealthy|stopping|exited|failed|gone\n"
      "      one of this peer's instances entered that state\n"
      "  spec.changed|deleted   peer: who wrote it (this peer's own writes included)\n"
      "Exit 0 ok (Ctrl-C ends -f with 0), 1 peer unreachable, 2 bad input.");
  return {sub, nullptr,
          [o, io](const ApiTarget& t) { return cmd_events(t, o->follow, o->json, io.out, io.err); }};
}

Command logs_command(CLI::App& app, ApiFlags& api, CliIo io) {
  auto o = std::make_shared<LogsOptions>();
  CLI::App* sub = app.add_subcommand("logs", "Show a service's output, from any peer");
  sub->add_option("SERVICE[/INDEX]", o->what, "The service, or one instance")->required();
  sub->add_flag("-f,--follow", o->follow, "Then print new lines (polled each second) until Ctrl-C");
  sub->add_option("--since", o->since, "Only lines written in the last D (10m, 1h30m)");
  sub->add_option("--tail", o->tail, "At most N lines per instance and stream (default 100, max 10000)");
  sub->add_option("--peer", o->peer, "Ask only peer P (an instance that ran there)");
  sub->add_flag("--json", o->json, "One JSON object a line: {\"ts\",\"service\",\"index\",\"peer\",\"stream\",\"line\"}");
  add_api_flags(sub, api);
  sub->footer(
      "The peer asked forwards to every peer that runs an instance (over the sealed gossip\n"
      "stream) and merges the lines by time. Process-driver lines carry their log file's last\n"
      "write time (the files have no time per line); docker lines the engine's. Exit 0 ok\n"
      "(Ctrl-C ends -f with 0), 1 no live peer runs it or peer unreachable, 2 bad input.");
  return {sub, nullptr, [o, io](const ApiTarget& t) { return cmd_logs(t, *o, io.out, io.err); }};
}

Command top_command(CLI::App& app, ApiFlags& api, CliIo io) {
  auto o = std::make_shared<TopOptions>();
  CLI::App* sub = app.add_subcommand("top", "Show CPU and memory in use per peer and instance, live");
  sub->add_flag("--json", o->json,
                "Print the JSON object once: {\"peers\":[{\"peer\",\"cpu_milli\","
                "\"cpu_capacity_milli\",\"memory_mib\",\"memory_capacity_mib\",\"age_ms\",...}],"
                "\"instances\":[{\"service\",\"index\",\"peer\",\"cpu_milli\",\"rss_mib\","
                "\"age_ms\"}]}");
  sub->add_flag("--once", o->once, "Print one frame and exit");
  sub->add_option("--interval", o->interval, "Time between two frames (default 2s)");
  add_api_flags(sub, api);
  sub->footer(
      "Every peer measures the CPU (milli-cores, m) and memory (MiB) in use on its host, by the\n"
      "agent itself and by each instance (process driver: its processes or cgroup; docker: the\n"
      "engine's stats) every 5 s, and gossips a compact summary (cpu: the mean since its last\n"
      "one) when it changed by a meaningful amount: at most every 30 s (longer past 20 peers),\n"
      "at least every 5 min. So other peers' rows are coarse and up to AGE old; the peer asked\n"
      "shows its own latest reading (--api that peer for fresh numbers of one host). PEER: host\n"
      "used / capacity; AGENT: the shoal agent's own cpu and rss. Instances follow, busiest\n"
      "first. A peer that has not measured yet is absent. Exit 0 ok (Ctrl-C ends the live view\n"
      "with 0), 1 peer unreachable, 2 bad input.");
  return {sub, nullptr, [o, io](const ApiTarget& t) { return cmd_top(t, *o, io.out, io.err); }};
}

Command what_if_command(CLI::App& app, ApiFlags& api, CliIo io) {
  struct Options {
    std::string down, zone;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand(
      "what-if", "Show what would move where, and what would go unplaced, if peers went down");
  CLI::Option* down = sub->add_option("--down", o->down, "The peers to take down: PEER[,PEER...]");
  CLI::Option* zone = sub->add_option("--down-zone", o->zone, "Take down every peer of ZONE");
  sub->add_flag("--json", o->json,
                "Print the JSON object {\"moves\":[{\"service\",\"index\",\"from\","
                "\"to\"}],\"unplaced\":[{\"service\",\"index\",\"from\",\"reason\"}],"
                "\"down\":[PEER...]}");
  add_api_flags(sub, api);
  sub->footer(
      "Runs placement on the peer's current view as it is and with those peers dead, and\n"
      "prints every instance whose peer would change (SERVICE INDEX FROM TO), then every one\n"
      "that would find no peer (capacity short, constraints) with placement's reason. Nothing\n"
      "changes in the cluster. Give exactly one of --down and --down-zone. Exit 0 ok, 1 peer\n"
      "unreachable, 2 bad input (an unknown peer or zone is named).");
  return {sub, nullptr, [o, down, zone, io](const ApiTarget& t) {
            auto given = [](const CLI::Option* opt, const std::string& v) {
              return opt->count() > 0 ? std::optional<std::string>(v) : std::nullopt;
            };
            return cmd_what_if(t, given(down, o->down), given(zone, o->zone), o->json, io.out,
                               io.err);
          }};
}

Command apply_command(CLI::App& app, ApiFlags& api, CliIo io) {
  struct Options {
    std::string file, timeout = "10m";
    bool plan = false, json = false, wait = false;
  };
  auto o = std::make_shared<Options>();
  CLI::App* sub = app.add_subcommand("apply", "Validate a service file and write it into the "
                                              "peer's services_dir");
  sub->add_option("FILE", o->file, "A service file (TOML)")->required();
  sub->add_flag("--plan", o->plan,
                "Write nothing: print what applying FILE would change (each service new, "
                "changed or unchanged; each instance's peer now and after, and its action: "
                "start, restart, move, stop, keep or unplaced)");
  sub->add_flag("--json", o->json, "With --plan: print the plan as JSON {\"services\":[...]}; "
                                   "with --wait: one JSON object a line");
  sub->add_flag("--wait", o->wait, "Then show the deployment until it is healthy or waits for "
                                   "`shoal promote` with its canaries (exit 0), or failed or "
                                   "reverted (exit 1)");
  sub->add_option("--timeout", o->timeout, "With --wait: give up (exit 1) after this long (10m)");
  add_api_flags(sub, api);
  return {sub, nullptr, [o, io](const ApiTarget& t) {
            if ((o->json && !o->plan && !o->wait) || (o->plan && o->wait)) {
              io.err << "shoal apply: --json goes with --plan or --wait, and --plan writes "
                        "nothing to wait for (see `shoal apply --help`)\n";
              return 2;
            }
            if (o->wait) {
              auto timeout = config::parse_duration(o->timeout);
              if (!timeout.ok()) {
                io.err << "shoal apply: --timeout: " << timeout.error << "\n";
                return 2;
              }
              return cmd_apply_wait(t, o->file, *timeout.value, o->json, io.out, io.err);
            }
            return o->plan ? cmd_plan(t, o->file, o->json, io.out, io.err)
                           : cmd_apply(t, o->file, io.out, io.err);
          }};
}

Command delete_command(CLI::App& app, ApiFlags& api, CliIo io) {
  auto name = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("delete", "Delete a service cluster-wide (its file "
                                               "becomes NAME.toml.deleted)");
  sub->add_option("NAME", *name, "The service name")->required();
  add_api_flags(sub, api);
  return {sub, nullptr, [name, io](const ApiTarget& t) { return cmd_delete(t, *name, io.out, io.err); }};
}

}  // namespace shoal::node
