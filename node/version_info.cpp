#include "node/version_info.hpp"

#include "gossip/wire.hpp"
#include "node/build_info.hpp"  // generated: SHOAL_GIT_COMMIT
#include "placement/place.hpp"

#ifndef SHOAL_VERSION
#define SHOAL_VERSION "0.0.0"
#endif

namespace shoal::node {

VersionInfo version_info() {
  return VersionInfo{SHOAL_VERSION, SHOAL_GIT_COMMIT, gossip::wire::kProtocolVersion,
                     placement::kAlgorithmVersion};
}

std::string version_text(const VersionInfo& v) {
  return "shoal " + v.version + "\ncommit: " + v.commit +
         "\ngossip protocol: " + std::to_string(v.gossip_protocol) +
         "\nplacement algorithm: " + std::to_string(v.placement_algorithm) + "\n";
}

nlohmann::json version_json(const VersionInfo& v) {
  return {{"version", v.version},
          {"commit", v.commit},
          {"gossip_protocol", v.gossip_protocol},
          {"placement_algorithm", v.placement_algorithm}};
}

}  // namespace shoal::node
