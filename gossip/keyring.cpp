#include "gossip/keyring.hpp"

#include <sodium.h>

#include <algorithm>

namespace shoal::gossip {

namespace {

constexpr std::string_view kSpace = " \t\r\n\v\f";

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

bool contains(std::span<const SealKey> keys, const SealKey& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

std::string key_to_base64(const SealKey& key) {
  char out[sodium_base64_ENCODED_LEN(kSealKeyBytes, sodium_base64_VARIANT_ORIGINAL)];
  sodium_bin2base64(out, sizeof out, reinterpret_cast<const unsigned char*>(key.data()),
                    key.size(), sodium_base64_VARIANT_ORIGINAL);
  return std::string(out);
}

Parsed<SealKey> key_from_base64(std::string_view text) {
  text = trim(text);
  if (text.empty()) return Parsed<SealKey>::failure("empty key");
  // Decode into a buffer large enough for any length, then check the length ourselves, so a
  // wrong-length key is told apart from invalid base64.
  std::vector<unsigned char> buf(text.size() / 4 * 3 + 3);
  std::size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(buf.data(), buf.size(), text.data(), text.size(), nullptr, &len, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size())
    return Parsed<SealKey>::failure("not valid base64");
  if (len != kSealKeyBytes)
    return Parsed<SealKey>::failure("key is " + std::to_string(len) + " bytes, expected " +
                                    std::to_string(kSealKeyBytes));
  SealKey key;
  for (std::size_t i = 0; i < kSealKeyBytes; ++i) key[i] = static_cast<std::byte>(buf[i]);
  return key;
}

std::string generate_key(std::span<const std::byte, kSealKeyBytes> random32) {
  SealKey key;
  std::copy(random32.begin(), random32.end(), key.begin());
  return key_to_base64(key);
}

Parsed<Keys> parse_keyring(std::string_view text) {
  Keys keys;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    auto key = key_from_base64(line);
    if (!key)
      return Parsed<Keys>::failure("line " + std::to_string(line_no) + ": " + key.error());
    if (contains(keys, *key))
      return Parsed<Keys>::failure("line " + std::to_string(line_no) + ": duplicate key");
    keys.push_back(*key);
  }
  if (keys.empty()) return Parsed<Keys>::failure("no keys");
  return keys;
}

std::string serialize_keyring(std::span<const SealKey> keys) {
  std::string out;
  for (const SealKey& k : keys) {
    out += key_to_base64(k);
    out += '\n';
  }
  return out;
}

Parsed<Keys> keyring_install(std::span<const SealKey> keys, const SealKey& key) {
  Keys out(keys.begin(), keys.end());
  if (!contains(keys, key)) out.push_back(key);
  return out;
}

Parsed<Keys> keyring_use(std::span<const SealKey> keys, const SealKey& key) {
  if (!contains(keys, key)) return Parsed<Keys>::failure("key is not installed");
  Keys out{key};
  for (const SealKey& k : keys)
    if (k != key) out.push_back(k);
  return out;
}

Parsed<Keys> keyring_remove(std::span<const SealKey> keys, const SealKey& key) {
  if (!contains(keys, key)) return Parsed<Keys>::failure("key is not installed");
  if (keys.front() == key) return Parsed<Keys>::failure("cannot remove the primary key");
  Keys out;
  for (const SealKey& k : keys)
    if (k != key) out.push_back(k);
  return out;
}

}  // namespace shoal::gossip
