// The view hash covers exactly placement's inputs: a spec write or delete and a member's
// metadata (the algorithm version, readiness) change it; a status write does not.
#include <catch2/catch.hpp>

#include <memory>

#include "gossip/engine.hpp"

using namespace shoal::gossip;

namespace {

std::unique_ptr<Engine> joined_engine(Clock now) {
  auto e = std::make_unique<Engine>(Identity{"p1", Address{"10.0.0.1", 7950}, 0, {}},
                                    *Config::for_profile("lan"), 7);
  Outbox out;
  e->join(now, {}, out);
  return e;
}

}  // namespace

TEST_CASE("view hash: a spec write or delete changes it, a status write does not",
          "[gossip][view_hash]") {
  Clock now{1'000'000, 1'767'225'600'000'000};
  auto engine = joined_engine(now);
  Engine& e = *engine;
  const auto empty = e.view_hash();
  e.put(now, "status/p1", string_to_bytes("{}"));
  CHECK(e.view_hash() == empty);
  e.put(now, "spec/web", string_to_bytes("{\"name\":\"web\"}"));
  const auto with_web = e.view_hash();
  CHECK(with_web != empty);
  e.put(now, "spec/web", string_to_bytes("{\"name\":\"web\",\"replicas\":3}"));
  CHECK(e.view_hash() != with_web);  // a new version of the spec
  e.erase(now, "spec/web");
  CHECK(e.view_hash() != with_web);
  CHECK(e.view_hash_hex().size() == 16);
}

TEST_CASE("view hash: a member's algorithm version or readiness changes it",
          "[gossip][view_hash]") {
  Clock now{1'000'000, 1'767'225'600'000'000};
  auto engine = joined_engine(now);
  Engine& e = *engine;
  const auto before = e.view_hash();
  Meta m = e.members().at("p1").meta;
  m.algorithm_version += 1;
  Outbox out;
  REQUIRE(e.set_meta(now, m, out));
  const auto upgraded = e.view_hash();
  CHECK(upgraded != before);
  m.ready = !m.ready;
  REQUIRE(e.set_meta(now, m, out));
  CHECK(e.view_hash() != upgraded);
}
