// Sealing gossip packets with the cluster key: libsodium's XChaCha20-Poly1305 (IETF AEAD).
//
//   packet = version (1 byte, kSealVersion) | channel (1 byte: 0 udp, 1 stream)
//          | sealed at (8 bytes, big-endian wall-clock milliseconds since the epoch)
//          | nonce (24 bytes) | ciphertext | tag (16 bytes)
//
// The additional data is the 34-byte header followed by the cluster label. The label is not
// transmitted: a peer with another label (or another key) simply fails to open the packet.
// Channel and time are authenticated: a packet cannot be replayed on the other channel, and
// seal_fresh() tells a receiver whether it was sealed recently enough (replay window).
// Pure: the nonce and the time come in (node/ draws the nonce with randombytes_buf and reads
// its clock, sim/ uses its seeded source), so the same inputs give the same bytes. The caller
// runs sodium_init() once at startup.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "gossip/bytes.hpp"
#include "gossip/types.hpp"

namespace shoal::gossip {

inline constexpr std::uint8_t kSealVersion = 2;  // 1: no channel, no time
inline constexpr std::size_t kSealKeyBytes = 32;
inline constexpr std::size_t kSealNonceBytes = 24;
inline constexpr std::size_t kSealTagBytes = 16;
inline constexpr std::size_t kSealHeaderBytes = 1 + 1 + 8 + kSealNonceBytes;
// How many bytes sealing adds to a plaintext.
inline constexpr std::size_t kSealOverhead = kSealHeaderBytes + kSealTagBytes;

using SealKey = std::array<std::byte, kSealKeyBytes>;
using SealNonce = std::array<std::byte, kSealNonceBytes>;

// What a sealed packet is bound to besides its key and label.
struct SealStamp {
  Channel channel = Channel::udp;
  std::int64_t wall_ms = 0;  // when it was sealed
  friend bool operator==(const SealStamp&, const SealStamp&) = default;
};

Bytes seal_packet(const SealKey& key, std::string_view label, const SealNonce& nonce,
                  ByteView plaintext, SealStamp stamp = {});

struct Opened {
  Bytes plaintext;
  std::size_t key_index = 0;  // which key of the keyring opened it (0 = primary)
  SealStamp stamp;
};

// Tries every key, the primary (index 0) first. Errors: truncated packet, unknown version, no
// keys, or no key authenticates it ("wrong key or label, or tampered").
Parsed<Opened> open_packet(std::span<const SealKey> keyring, std::string_view label,
                           ByteView packet);

// Whether an opened packet arrived on the channel it was sealed for, sealed at most window_ms
// before or after now_ms (either way: the clocks of peers differ).
bool seal_fresh(const SealStamp& stamp, Channel channel, std::int64_t now_ms,
                std::int64_t window_ms);

}  // namespace shoal::gossip
