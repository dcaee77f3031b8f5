// Which key seals this peer's gossip, decided before any socket opens. Gossip is always
// authenticated: a peer executes what replicated state asks, so unauthenticated gossip would be
// remote code execution (DESIGN "Wire and security").
//   - security.insecure = true: plaintext, warned about at every start;
//   - security.keyring set: that file must exist (an operator named it; never invent it);
//   - otherwise data_dir/keyring: loaded when present; created (0600, one fresh key) only by a
//     peer that founds a cluster (no join seeds, no remembered peers); a peer that would join
//     others without their key is refused with the steps to fix it.
#pragma once

#include <iosfwd>
#include <string>

#include "config/spec.hpp"
#include "gossip/types.hpp"

namespace shoal::node {

struct KeyringPlan {
  enum class Kind { load, create, insecure, refuse };
  Kind kind = Kind::refuse;
  std::string path;     // the keyring file (load, create)
  std::string message;  // refuse: the actionable error
};

// security.keyring, else data_dir/keyring.
std::string keyring_path(const config::PeerConfig& cfg);

// Pure: `exists` says whether keyring_path(cfg) exists; `joins` whether this peer has seeds or
// remembered peers to join.
KeyringPlan plan_keyring(const config::PeerConfig& cfg, bool exists, bool joins);

class Sealer;
// At agent start: plans, creates the key of a cluster's first peer, loads the keyring into
// `sealer` (left plaintext for insecure). 0, or the exit code after printing why on `err`.
int setup_sealer(const config::PeerConfig& cfg, const gossip::Address& advertise,
                 const gossip::Address& bind, Sealer& sealer, std::ostream& err);

// Creates `path` with one fresh key, mode 0600, refusing to overwrite (O_EXCL). Empty on
// success, else what failed.
std::string create_keyring(const std::string& path);

}  // namespace shoal::node
