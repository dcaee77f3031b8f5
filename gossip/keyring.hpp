// The keyring: the cluster keys, the first one primary (it seals; all of them are tried to
// open). Parsing and printing the keyring file's TEXT (node/ reads and writes the file) and the
// rotation operations, as pure functions on the key list.
//
// File format: one base64 (standard alphabet, padded) 32-byte key per line, first = primary.
// Blank lines are ignored; `#` starts a comment (a whole line, or after a key).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gossip/bytes.hpp"
#include "gossip/seal.hpp"

namespace shoal::gossip {

using Keys = std::vector<SealKey>;

// Errors name the line: "line 3: not valid base64", "line 2: key is 16 bytes, expected 32",
// "line 4: duplicate key", "no keys".
Parsed<Keys> parse_keyring(std::string_view text);
// One key per line, primary first, each line ending in '\n'.
std::string serialize_keyring(std::span<const SealKey> keys);

std::string key_to_base64(const SealKey& key);
Parsed<SealKey> key_from_base64(std::string_view text);  // surrounding whitespace allowed
// A new key from 32 random bytes (node/ draws them with randombytes_buf), as base64.
std::string generate_key(std::span<const std::byte, kSealKeyBytes> random32);

// Rotation (like memberlist's keyring). Each returns the new list or an error.
// install: add as a secondary key (at the end); already installed -> unchanged.
Parsed<Keys> keyring_install(std::span<const SealKey> keys, const SealKey& key);
// use: make an installed key the primary (moved to the front, the others keep their order).
Parsed<Keys> keyring_use(std::span<const SealKey> keys, const SealKey& key);
// remove: drop an installed secondary key; removing the primary is refused.
Parsed<Keys> keyring_remove(std::span<const SealKey> keys, const SealKey& key);

}  // namespace shoal::gossip
