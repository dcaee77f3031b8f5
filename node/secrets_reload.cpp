#include "node/secrets_reload.hpp"

#include <spdlog/spdlog.h>

namespace shoal::node {

bool reload_keyring(Sealer& sealer) {
  if (!sealer.enabled()) return false;
  if (std::string e = sealer.reload(); !e.empty()) {
    spdlog::error("SIGHUP: keyring not reloaded (the keys in use stay): {}", e);
    return false;
  }
  spdlog::info("SIGHUP: keyring reloaded ({} keys)", sealer.key_count());
  return true;
}

void reload_token(ApiGuard& guard, const std::string& token_file) {
  if (token_file.empty()) return;
  if (auto t = read_token_file(token_file)) {
    guard.token = std::move(*t);
    spdlog::info("SIGHUP: api token reloaded from {}", token_file);
  } else {
    spdlog::warn("SIGHUP: cannot read a token from {}: keeping the previous one", token_file);
  }
}

}  // namespace shoal::node
