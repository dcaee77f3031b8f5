// GET /v1/usage's decoded usage/<peer> values (node/peer/usage_cache.hpp): decoded once per key
// and version, again when the version changes, forgotten when the key is gone.
#include <catch2/catch.hpp>

#include "gossip/bytes.hpp"
#include "node/peer/usage_cache.hpp"

using namespace shoal;
using namespace shoal::node;

namespace {

gossip::Bytes value_of(std::int64_t cpu) {
  UsageSummary u;
  u.measured_ms = 1'700'000'000'000;
  u.cpu_milli = cpu;
  u.memory_mib = 512;
  u.instances = {{"web", 0, 10, 20}};
  return gossip::string_to_bytes(encode_usage(u));
}

}  // namespace

TEST_CASE("usage cache: a value is decoded once per version", "[node][usage]") {
  UsageCache c;
  const gossip::Version v1{100, "p1"}, v2{101, "p1"};
  const auto a = value_of(250), b = value_of(900);
  for (int request = 0; request < 5; ++request) {  // five GET /v1/usage, nothing changed
    const UsageSummary* u = c.get("usage/p1", v1, a);
    REQUIRE(u != nullptr);
    CHECK(u->cpu_milli == 250);
    CHECK(u->instances.size() == 1);
    c.forget_unseen();
  }
  CHECK(c.decodes() == 1);
  // A new version of the key: decoded again, the new value.
  const UsageSummary* u = c.get("usage/p1", v2, b);
  REQUIRE(u != nullptr);
  CHECK(u->cpu_milli == 900);
  CHECK(c.decodes() == 2);
  // Another peer's key beside it; a value that does not decode stays undecoded, once.
  c.get("usage/p2", v1, a);
  const gossip::Bytes junk = gossip::string_to_bytes("[1, \"x\"");
  CHECK(c.get("usage/p3", v1, junk) == nullptr);
  CHECK(c.get("usage/p3", v1, junk) == nullptr);
  CHECK(c.decodes() == 4);
  c.forget_unseen();
  CHECK(c.size() == 3);
  // p2 and p3 left the store: the next walk does not ask for them, and they are forgotten.
  c.get("usage/p1", v2, b);
  c.forget_unseen();
  CHECK(c.size() == 1);
  CHECK(c.decodes() == 4);
}
