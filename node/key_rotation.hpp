// Cluster-wide key rotation (`shoal keys install|use|remove`, as `serf keys`) carried by the
// replicated state, so no coordinator is needed and a peer that was briefly away catches up:
//   `keyring`        the cluster's keyring: {"v":1,"keys":[base64, ...]}, primary first;
//                    written by the peer whose API took the operation.
//   `keyack/<peer>`  the digest of the keyring <peer> seals and opens with right now.
// A peer that sees a new `keyring` adopts it (keyring file rewritten 0600, then its sealer's
// keys swapped) and acknowledges. The values travel sealed with the keys in use, so only holders
// of a current key learn a new one. `use` and `remove` are refused until every live member
// acknowledges the current keyring: a primary every peer can open, and no key dropped while a
// peer still seals with it, so a rotation under traffic loses no packet.
// Pure; digests and fingerprints (BLAKE2b) never reveal a key.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gossip/keyring.hpp"

namespace shoal::node {

inline constexpr std::string_view kKeyringKey = "keyring";
inline constexpr std::string_view kKeyAckPrefix = "keyack/";
inline constexpr std::size_t kMaxKeys = 16;  // a rotation needs 2; a runaway value is refused

std::string encode_ring(const gossip::Keys& keys);
// nullopt unless 1..kMaxKeys distinct valid keys.
std::optional<gossip::Keys> decode_ring(std::string_view value);
// 16 hex digits naming a whole keyring (order included: the primary matters).
std::string ring_digest(const gossip::Keys& keys);
// 16 hex digits naming one key, for listings.
std::string key_fingerprint(const gossip::SealKey& key);

struct KeyOp {
  gossip::Keys next;  // the keyring after the operation
  std::string error;  // non-empty: refused (then `bad_input` says whose fault)
  bool bad_input = false;
};

// `op` on `current` (this peer's keys). `converged`: every live member acknowledged `current`.
KeyOp plan_key_op(std::string_view op, std::string_view key_base64, const gossip::Keys& current,
                  bool converged);

}  // namespace shoal::node
