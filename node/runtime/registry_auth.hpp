// Registry credentials for image pulls (runtime.registry_auth): a file in Docker's config.json
// format, {"auths": {"HOST[:PORT]": {"auth": base64("USER:PASSWORD")}}} ("username" and
// "password" in place of "auth" are taken too), read once at the agent's start. The pull of an
// image whose registry has an entry carries X-Registry-Auth: base64url of {"username",
// "password", "serveraddress"}, as the Engine API (Docker and Podman) defines it.
//
// The file holds passwords: it must be a regular file that only its owner (the agent's user or
// root) may read or write, of at most 1 MiB; at most 256 registries, host <= 255 bytes, user
// and password <= 4 KiB each. Credential helpers (credsStore, credHelpers) are not run.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "node/runtime/result.hpp"

namespace shoal::runtime {

struct RegistryCredential {
  std::string username;
  std::string password;
  friend bool operator==(const RegistryCredential&, const RegistryCredential&) = default;
};
// By registry host[:port] as an image names it ("127.0.0.1:5000", "ghcr.io"; "docker.io" for
// Docker Hub, whose config.json key "https://index.docker.io/v1/" is read as that).
using RegistryAuths = std::map<std::string, RegistryCredential>;

// The file's text to credentials; errors name `path` and the entry.
Result<RegistryAuths> parse_registry_auth(std::string_view text, const std::string& path);
// Opens `path` (no FIFO waits), checks it is private, reads it bounded, parses it.
Result<RegistryAuths> load_registry_auth(const std::string& path);

// The registry an image reference pulls from: its first component when it names a host (has a
// '.' or ':', or is "localhost"), else "docker.io".
std::string registry_of(const std::string& image);
// The X-Registry-Auth value for pulling `image`; empty when no credential is for its registry.
std::string registry_auth_header(const RegistryAuths& auths, const std::string& image);

// Base64 (standard alphabet, padding optional) to bytes; nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text);
// Base64url with padding (the Engine API's encoding of X-Registry-Auth).
std::string base64url_encode(std::string_view bytes);

}  // namespace shoal::runtime
