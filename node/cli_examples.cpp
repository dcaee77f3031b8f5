#include "node/cli_examples.hpp"

#include <map>

#include <CLI/CLI.hpp>

namespace shoal::node {

std::string cli_examples(const std::string& command) {
  static const std::map<std::string, std::string> examples{
      {"agent",
       "  shoal agent --dev                                # try Shoal: one peer, temporary "
       "folders\n"
       "  shoal agent --config /etc/shoal/peer.toml        # as the systemd unit runs it\n"
       "  shoal agent --config peer.toml --log-format json --log-level debug\n"},
      {"members", "  shoal members\n  shoal members --json --api 10.0.0.5:7951\n"},
      {"services", "  shoal services\n  shoal services --json\n"},
      {"ps", "  shoal ps\n  shoal ps --json --api unix:/var/lib/shoal/api.sock\n"},
      {"endpoints", "  shoal endpoints web\n  shoal endpoints web --json --watch\n"},
      {"what-if",
       "  shoal what-if --down host-b\n  shoal what-if --down host-b,host-c --json\n"
       "  shoal what-if --down-zone eu-1\n"},
      {"events", "  shoal events\n  shoal events -f --json\n"},
      {"logs",
       "  shoal logs web/2 --tail 50\n  shoal logs web -f --since 10m\n"
       "  shoal logs web/2 --peer host-b --json   # where it ran before a failover\n"},
      {"top",
       "  shoal top                            # live, redrawn every 2 s until Ctrl-C\n"
       "  shoal top --once --api 10.0.0.5:7951\n  shoal top --json\n"},
      {"status", "  shoal status\n  shoal status --json --api 10.0.0.5:7951 --token-file token\n"},
      {"apply",
       "  shoal apply web.toml                 # validate, write into the peer's services_dir\n"
       "  shoal apply --plan web.toml          # only show what would change\n"
       "  shoal apply --wait --timeout 5m web.toml   # exit 0 healthy (or canaries waiting for\n"
       "                                             # `shoal promote`), 1 failed or reverted\n"},
      {"history", "  shoal history web\n  shoal history web --json\n"},
      {"revert", "  shoal revert web\n  shoal revert web --to 3\n"},
      {"promote",
       "  shoal promote web   # after `shoal apply --wait web.toml` exited 0 at the canaries\n"},
      {"delete", "  shoal delete web\n"},
      {"check",
       "  shoal check web.toml\n  shoal check /etc/shoal/peer.toml /etc/shoal/services/*.toml\n"
       "  shoal check --json web.toml\n"},
      {"keygen",
       "  shoal keygen\n"
       "  (umask 077; shoal keygen > /etc/shoal/keyring)   # the key of a new cluster\n"},
      {"keys",
       "  shoal keys list\n  shoal keys list --keyring /etc/shoal/keyring   # offline\n"},
      {"version", "  shoal version\n  shoal version --json\n"},
      {"convert",
       "  shoal convert compose.yml -o converted/   # one NAME.toml per service\n"
       "  shoal convert compose.yml --strict --json\n"},
  };
  auto it = examples.find(command);
  return it == examples.end() ? "" : it->second;
}

void add_cli_examples(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    const std::string ex = cli_examples(sub->get_name());
    if (ex.empty()) continue;
    const std::string before = sub->get_footer();
    sub->footer(before + (before.empty() ? "" : "\n\n") + "Examples:\n" + ex);
  }
  app.footer(
      "Start here: `shoal agent --dev` runs one peer with temporary folders; drop a service file\n"
      "into the services_dir it prints, then `shoal ps`. Each command: `shoal COMMAND --help`\n"
      "(or `man shoal-COMMAND`). Exit codes: 0 ok, 1 operation failed, 2 bad input.\n"
      "\nExamples:\n"
      "  shoal agent --dev\n"
      "  shoal check web.toml && shoal apply web.toml\n"
      "  shoal ps\n");
}

}  // namespace shoal::node
