// Sealing gossip packets with the cluster key: libsodium's XChaCha20-Poly1305 (IETF AEAD).
//
//   packet = version (1 byte, kSealVersion) | nonce (24 bytes) | ciphertext | tag (16 bytes)
//
// The additional data is the 25-byte header followed by the cluster label. The label is not
// transmitted: a peer with another label (or another key) simply fails to open the packet.
// Pure: the nonce comes in (node/ draws it with randombytes_buf, sim/ from its seeded source),
// so the same inputs give the same bytes. The caller runs sodium_init() once at startup.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "gossip/bytes.hpp"

namespace shoal::gossip {

inline constexpr std::uint8_t kSealVersion = 1;
inline constexpr std::size_t kSealKeyBytes = 32;
inline constexpr std::size_t kSealNonceBytes = 24;
inline constexpr std::size_t kSealTagBytes = 16;
inline constexpr std::size_t kSealHeaderBytes = 1 + kSealNonceBytes;
// How many bytes sealing adds to a plaintext.
inline constexpr std::size_t kSealOverhead = kSealHeaderBytes + kSealTagBytes;

using SealKey = std::array<std::byte, kSealKeyBytes>;
using SealNonce = std::array<std::byte, kSealNonceBytes>;

Bytes seal_packet(const SealKey& key, std::string_view label, const SealNonce& nonce,
                  ByteView plaintext);

struct Opened {
  Bytes plaintext;
  std::size_t key_index = 0;  // which key of the keyring opened it (0 = primary)
};

// Tries every key, the primary (index 0) first. Errors: truncated packet, unknown version, no
// keys, or no key authenticates it ("wrong key or label, or tampered").
Parsed<Opened> open_packet(std::span<const SealKey> keyring, std::string_view label,
                           ByteView packet);

}  // namespace shoal::gossip
