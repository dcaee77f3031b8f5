#include "node/sealer.hpp"

#include <sodium.h>
#include <sys/stat.h>

#include <chrono>

#include "node/persist.hpp"

namespace shoal::node {

std::string Sealer::load(const std::string& keyring_path, std::string label) {
  auto text = read_file(keyring_path);
  if (!text) return keyring_path + ": cannot read the keyring file";
  auto keys = gossip::parse_keyring(*text);
  if (!keys) return keyring_path + ": " + keys.error();
  keys_ = std::move(keys.value());
  path_ = keyring_path;
  label_ = std::move(label);
  return "";
}

std::string Sealer::replace(gossip::Keys keys) {
  if (path_.empty() || keys.empty()) return "no keyring file to rewrite";
  if (std::string e = write_file_atomic(path_, gossip::serialize_keyring(keys)); !e.empty()) {
    return e;
  }
  ::chmod(path_.c_str(), 0600);
  keys_ = std::move(keys);
  return "";
}

namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

gossip::Bytes Sealer::seal(std::span<const std::byte> plain, gossip::Channel ch) const {
  if (keys_.empty()) return gossip::Bytes(plain.begin(), plain.end());
  gossip::SealNonce nonce;
  randombytes_buf(nonce.data(), nonce.size());
  return gossip::seal_packet(keys_.front(), label_, nonce, plain, gossip::SealStamp{ch, wall_ms()});
}

std::optional<gossip::Bytes> Sealer::open(std::span<const std::byte> packet, gossip::Channel ch) {
  if (keys_.empty()) return gossip::Bytes(packet.begin(), packet.end());
  auto opened = gossip::open_packet(keys_, label_, packet);
  if (!opened) {
    ++rejected_;
    return std::nullopt;
  }
  if (!gossip::seal_fresh(opened.value().stamp, ch, wall_ms(), window_ms_)) {
    ++replayed_;
    return std::nullopt;
  }
  return std::move(opened.value().plaintext);
}

std::string new_key_base64() {
  std::array<std::byte, gossip::kSealKeyBytes> raw;
  randombytes_buf(raw.data(), raw.size());
  std::string key = gossip::generate_key(raw);
  sodium_memzero(raw.data(), raw.size());
  return key;
}

}  // namespace shoal::node
