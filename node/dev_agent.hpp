// `shoal agent --dev`: the fastest way to try Shoal (as Nomad's `-dev`). One peer on loopback,
// founding its own cluster, with a fresh temporary folder (mkdtemp) holding its data_dir,
// services_dir and peer file, printed at start; the process driver, the fast profile and a
// 1 s join_grace, so a dropped service file runs within a second or two. Gossip stays sealed:
// the founding peer creates its own key in data_dir/keyring. Nothing is deleted at exit (the
// folder is printed again, to look at or remove).
#pragma once

#include <iosfwd>
#include <string>

#include "node/agent.hpp"

namespace shoal::node {

struct DevOptions {
  std::string bind = "127.0.0.1:7950";  // gossip (--bind)
  std::string api = "127.0.0.1:7951";   // the HTTP API (--api-listen)
};

struct DevFolders {
  std::string root;          // the mkdtemp folder
  std::string data_dir;      // root/data (0700)
  std::string services_dir;  // root/services
  std::string config;        // root/peer.toml
};

// The peer file of a dev peer (pure). `bind` and `api` must have passed config::parse_address.
std::string dev_peer_file(const DevFolders& f, const std::string& bind, const std::string& api);

// Makes the folders under `tmp` (e.g. $TMPDIR or /tmp) and writes the peer file. Empty on
// success, else what failed.
std::string make_dev_folders(const std::string& tmp, const DevOptions& dev, DevFolders& out);

// Checks the addresses, makes the folders, prints them on `out`, runs the agent. Exit codes
// as run_agent (2: a bad --bind/--api-listen).
int run_dev_agent(AgentOptions opts, const DevOptions& dev, std::ostream& out, std::ostream& err);

}  // namespace shoal::node
