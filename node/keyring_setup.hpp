// Which key seals this peer's gossip, decided before any socket opens. Gossip is always
// authenticated: a peer executes what replicated state asks, so unauthenticated gossip would be
// remote code execution (DESIGN "Wire and security").
//   - security.insecure = true: plaintext, warned about at every start;
//   - security.keyring set: that file must exist (an operator named it; never invent it);
//   - otherwise data_dir/keyring: loaded when present; created (0600, one fresh key) only by a
//     peer that founds a cluster (no join seeds, no remembered peers); a peer that would join
//     others without their key is refused with the steps to fix it.
#pragma once

#include <string>

#include "config/spec.hpp"

namespace shoal::node {

struct KeyringPlan {
  enum class Kind { load, create, insecure, refuse };
  Kind kind = Kind::refuse;
  std::string path;     // the keyring file (load, create)
  std::string message;  // refuse: the actionable error
};

// Pure: `exists` says whether the keyring path exists; `joins` whether this peer has seeds or
// remembered peers to join.
KeyringPlan plan_keyring(const config::PeerConfig& cfg, bool exists, bool joins);

// Creates `path` with one fresh key, mode 0600, refusing to overwrite (O_EXCL). Empty on
// success, else what failed.
std::string create_keyring(const std::string& path);

}  // namespace shoal::node
