// SIGHUP re-reads the secrets a running peer holds: the keyring (the keys in use stay when
// the file does not load) and api.token_file (the previous token stays when it cannot be read).
#pragma once

#include <string>

#include "node/api_guard.hpp"
#include "node/sealer.hpp"

namespace shoal::node {

// True when the keyring was reloaded (the caller acknowledges its keys cluster-wide).
bool reload_keyring(Sealer& sealer);
void reload_token(ApiGuard& guard, const std::string& token_file);

}  // namespace shoal::node
