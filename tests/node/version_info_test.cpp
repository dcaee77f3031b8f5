// `shoal version`'s facts come from the constants peers compare, not from copies of them.
#include <catch2/catch.hpp>

#include <regex>

#include "gossip/wire.hpp"
#include "node/version_info.hpp"
#include "placement/place.hpp"

using namespace shoal;

TEST_CASE("version info: the wire protocol and placement algorithm constants", "[node][version]") {
  const node::VersionInfo v = node::version_info();
  CHECK(v.gossip_protocol == gossip::wire::kProtocolVersion);
  CHECK(v.placement_algorithm == placement::kAlgorithmVersion);
  CHECK(std::regex_match(v.version, std::regex(R"(\d+\.\d+\.\d+)")));
  // The build's git commit (12 hex digits), or "unknown" when built outside git.
  CHECK(std::regex_match(v.commit, std::regex("[0-9a-f]{12}|unknown")));
}

TEST_CASE("version info: text and JSON shapes", "[node][version]") {
  const node::VersionInfo v{"1.2.3", "0123456789ab", 7, 9};
  CHECK(node::version_text(v) ==
        "shoal 1.2.3\ncommit: 0123456789ab\ngossip protocol: 7\nplacement algorithm: 9\n");
  CHECK(node::version_json(v).dump() ==
        R"({"commit":"0123456789ab","gossip_protocol":7,"placement_algorithm":9,"version":"1.2.3"})");
}
