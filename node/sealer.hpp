// Sealing at the edge: every gossip packet and stream frame leaves sealed with the keyring's
// primary key (XChaCha20-Poly1305 with the cluster label, gossip/seal.hpp), stamped with its
// channel and the wall clock, and arrives opened with any key of the ring. A packet sealed for
// the other channel, or more than window_ms before or after our clock, is dropped as a replay.
// The window (default 15 s) must cover the clock skew allowed between peers (gossip's
// max_clock_skew, 10 s by default) plus transit. Default-constructed (security.insecure):
// plaintext both ways. Nonces from randombytes_buf.
// Not thread-safe (used from the agent's io thread).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gossip/keyring.hpp"
#include "gossip/types.hpp"

namespace shoal::node {

class Sealer {
 public:
  Sealer() = default;  // plaintext
  // Reads the keyring file; empty string on success, else `path: error`.
  std::string load(const std::string& keyring_path, std::string label);
  // Reads the same file again (SIGHUP, after `shoal keys`); on an error the keys in use stay.
  std::string reload() { return path_.empty() ? "" : load(path_, label_); }
  // Adopts `keys` (a cluster-wide rotation, node/key_rotation.hpp): the keyring file is
  // rewritten first, so a restart keeps them. Empty on success; on an error nothing changes.
  std::string replace(gossip::Keys keys);
  const gossip::Keys& keys() const { return keys_; }
  bool enabled() const { return !keys_.empty(); }
  std::size_t key_count() const { return keys_.size(); }
  void set_window(std::int64_t window_ms) { window_ms_ = window_ms; }
  gossip::Bytes seal(std::span<const std::byte> plain, gossip::Channel ch) const;
  // nullopt when it does not authenticate (counted in rejected()), or was sealed for the other
  // channel or outside the window (counted in replayed()).
  std::optional<gossip::Bytes> open(std::span<const std::byte> packet, gossip::Channel ch);
  std::uint64_t rejected() const { return rejected_; }
  std::uint64_t replayed() const { return replayed_; }

 private:
  gossip::Keys keys_;
  std::string path_;
  std::string label_;
  std::int64_t window_ms_ = 15000;
  std::uint64_t rejected_ = 0;
  std::uint64_t replayed_ = 0;
};

// A fresh base64 key from 32 random bytes (libsodium).
std::string new_key_base64();

}  // namespace shoal::node
