// What `shoal version` (and `shoal --version`) reports: the release, the git commit it was built
// from, and the two versions that decide whether peers work together: the gossip wire protocol
// (gossip/wire.hpp) and the placement algorithm (placement/place.hpp; a peer on another
// algorithm version sits out of placement).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace shoal::node {

struct VersionInfo {
  std::string version;  // CMake's project VERSION, e.g. "0.1.0"
  std::string commit;   // the short git commit at build time, "unknown" outside git
  std::uint32_t gossip_protocol = 0;
  std::uint32_t placement_algorithm = 0;
};

VersionInfo version_info();

// "shoal 0.1.0\ncommit: ...\ngossip protocol: 1\nplacement algorithm: 2\n": the first line is
// what `shoal version` printed before it told more.
std::string version_text(const VersionInfo& v);

// {"version","commit","gossip_protocol","placement_algorithm"}
nlohmann::json version_json(const VersionInfo& v);

}  // namespace shoal::node
