// The agent's side of cluster-wide key rotation (node/key_rotation.hpp): acknowledges the keys
// this peer uses, adopts a new cluster keyring when replicated state brings one, and serves
// `shoal keys` (GET /v1/keys: fingerprints and per-peer acknowledgements, never a key;
// POST /v1/keys {"op","key"}). Runs on the agent's io thread; does file I/O through Sealer.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gossip/engine.hpp"
#include "node/sealer.hpp"

namespace shoal::node {

class KeyringSync {
 public:
  KeyringSync(gossip::Engine& engine, Sealer& sealer) : engine_(engine), sealer_(sealer) {}

  // Writes keyack/<self> for the keys in use when it is not already there.
  void acknowledge(gossip::Clock now);
  // A replicated `keyring` value changed: adopt it if it differs from the keys in use.
  void on_state_changed(gossip::Clock now, std::string_view key);

  struct Reply {
    int status = 200;
    nlohmann::json body;
  };
  Reply view() const;                                     // GET /v1/keys
  Reply apply(gossip::Clock now, const std::string& body);  // POST /v1/keys

 private:
  // Every live member's acknowledged digest ("" when none) equals ours.
  bool converged() const;
  void adopt(gossip::Clock now, const gossip::Keys& keys, const char* why);

  gossip::Engine& engine_;
  Sealer& sealer_;
};

}  // namespace shoal::node
