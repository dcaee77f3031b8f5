#include "gossip/seal.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace shoal::gossip {

static_assert(kSealKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kSealNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kSealTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

namespace {

const unsigned char* uc(const std::byte* p) { return reinterpret_cast<const unsigned char*>(p); }
unsigned char* uc(std::byte* p) { return reinterpret_cast<unsigned char*>(p); }

// header | label
Bytes additional_data(ByteView header, std::string_view label) {
  Bytes ad(header.size() + label.size());
  std::memcpy(ad.data(), header.data(), header.size());
  if (!label.empty()) std::memcpy(ad.data() + header.size(), label.data(), label.size());
  return ad;
}

}  // namespace

Bytes seal_packet(const SealKey& key, std::string_view label, const SealNonce& nonce,
                  ByteView plaintext, SealStamp stamp) {
  Bytes out(kSealHeaderBytes + plaintext.size() + kSealTagBytes);
  out[0] = static_cast<std::byte>(kSealVersion);
  out[1] = static_cast<std::byte>(stamp.channel);
  const auto ms = static_cast<std::uint64_t>(stamp.wall_ms);
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<std::byte>((ms >> (56 - 8 * i)) & 0xff);
  std::copy(nonce.begin(), nonce.end(), out.begin() + 10);
  const Bytes ad = additional_data(ByteView(out.data(), kSealHeaderBytes), label);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      uc(out.data() + kSealHeaderBytes), &written, uc(plaintext.data()), plaintext.size(),
      uc(ad.data()), ad.size(), nullptr, uc(nonce.data()), uc(key.data()));
  out.resize(kSealHeaderBytes + written);
  return out;
}

Parsed<Opened> open_packet(std::span<const SealKey> keyring, std::string_view label,
                           ByteView packet) {
  if (packet.size() < kSealOverhead) return Parsed<Opened>::failure("sealed packet truncated");
  if (std::to_integer<std::uint8_t>(packet[0]) != kSealVersion)
    return Parsed<Opened>::failure("unknown seal version " +
                                   std::to_string(std::to_integer<int>(packet[0])));
  if (keyring.empty()) return Parsed<Opened>::failure("no keys to open a sealed packet");
  const auto channel = std::to_integer<std::uint8_t>(packet[1]);
  if (channel > static_cast<std::uint8_t>(Channel::stream))
    return Parsed<Opened>::failure("unknown seal channel " + std::to_string(channel));
  const ByteView header = packet.first(kSealHeaderBytes);
  const ByteView cipher = packet.subspan(kSealHeaderBytes);
  const Bytes ad = additional_data(header, label);
  Opened opened;
  opened.plaintext.resize(std::max<std::size_t>(1, cipher.size() - kSealTagBytes));
  for (std::size_t i = 0; i < keyring.size(); ++i) {
    unsigned long long len = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            uc(opened.plaintext.data()), &len, nullptr, uc(cipher.data()), cipher.size(),
            uc(ad.data()), ad.size(), uc(header.data() + 10), uc(keyring[i].data())) == 0) {
      opened.plaintext.resize(len);
      opened.key_index = i;
      opened.stamp.channel = static_cast<Channel>(channel);
      std::uint64_t ms = 0;
      for (int b = 0; b < 8; ++b) ms = (ms << 8) | std::to_integer<std::uint8_t>(packet[2 + b]);
      opened.stamp.wall_ms = static_cast<std::int64_t>(ms);
      return opened;
    }
  }
  return Parsed<Opened>::failure("cannot open sealed packet: wrong key or label, or tampered");
}

bool seal_fresh(const SealStamp& stamp, Channel channel, std::int64_t now_ms,
                std::int64_t window_ms) {
  if (stamp.channel != channel) return false;
  if (window_ms < 0) return false;
  // |now - sealed| in unsigned arithmetic: exact for any two int64 (a hostile stamp may be
  // anything), where the signed difference could overflow.
  const auto a = static_cast<std::uint64_t>(stamp.wall_ms), b = static_cast<std::uint64_t>(now_ms);
  const std::uint64_t distance = stamp.wall_ms >= now_ms ? a - b : b - a;
  return distance <= static_cast<std::uint64_t>(window_ms);
}

}  // namespace shoal::gossip
