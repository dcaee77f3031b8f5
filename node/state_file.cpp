#include "node/state_file.hpp"

#include <sodium.h>

#include <cstdio>

namespace shoal::node {

namespace {

constexpr std::string_view kMagic = "shoal-state 1 ";
constexpr std::size_t kHexBytes = 64;

std::string hash_hex(std::string_view data) {
  unsigned char out[32];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
  char hex[65];
  for (int i = 0; i < 32; ++i) std::snprintf(hex + 2 * i, 3, "%02x", out[i]);
  return std::string(hex, kHexBytes);
}

}  // namespace

std::string encode_state_file(std::string_view snapshot) {
  std::string out(kMagic);
  out += hash_hex(snapshot);
  out += '\n';
  out += snapshot;
  return out;
}

StateFile decode_state_file(std::string_view file) {
  StateFile r;
  if (file.substr(0, kMagic.size()) != kMagic) {
    r.snapshot = file;  // a bare snapshot from before the header
    return r;
  }
  const std::size_t body = kMagic.size() + kHexBytes + 1;
  if (file.size() < body || file[body - 1] != '\n') {
    r.error = "damaged header";
    return r;
  }
  const std::string_view want = file.substr(kMagic.size(), kHexBytes);
  r.snapshot = file.substr(body);
  if (hash_hex(r.snapshot) != want) {
    r.snapshot = {};
    r.error = "its content does not match its hash (damaged or truncated)";
  }
  return r;
}

}  // namespace shoal::node
