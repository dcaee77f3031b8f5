// The spec hash covers volumes: a volume change replaces instances; a spec without volumes
// keeps its v1 bytes (spec_hash_test.cpp pins them), so an upgrade replaces nothing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "config/volume.hpp"
#include "placement/spec_hash.hpp"

using shoal::config::parse_volume;
using shoal::config::ServiceSpec;
using shoal::placement::spec_canonical_bytes;
using shoal::placement::spec_hash;

namespace {

ServiceSpec db(std::vector<std::string> volumes) {
  ServiceSpec s;
  s.name = "db";
  s.image = "postgres:16";
  for (const auto& v : volumes) s.volumes.push_back(parse_volume(v));
  return s;
}

}  // namespace

TEST_CASE("spec_hash volumes: golden value (a protocol between peers)") {
  // Cross-checked with an independent Python encoder of the documented bytes (hashlib.blake2b,
  // digest_size=16, first 8 bytes little-endian).
  CHECK(spec_hash(db({"pgdata:/var/lib/postgresql/data", "/etc/pg:/etc/pg:ro"})) ==
        "6b93f2c12becd886");
}

TEST_CASE("spec_hash volumes: without volumes the bytes end where v1 ends") {
  const auto none = spec_canonical_bytes(db({}));
  const auto some = spec_canonical_bytes(db({"a:/a"}));
  REQUIRE(some.size() > none.size());
  CHECK(std::equal(none.begin(), none.end(), some.begin()));
}

TEST_CASE("spec_hash volumes: every volume change changes it") {
  const std::string base = spec_hash(db({"data:/data", "/srv/x:/x:ro"}));
  std::set<std::string> seen{base, spec_hash(db({}))};
  for (auto v : std::vector<std::vector<std::string>>{
           {"data:/data"},                              // one removed
           {"data:/data", "/srv/x:/x:ro", "c:/c"},       // one added
           {"other:/data", "/srv/x:/x:ro"},             // another volume
           {"data:/data2", "/srv/x:/x:ro"},             // another target
           {"data:/data", "/srv/x:/x"},                 // read-write now
           {"data:/data:ro", "/srv/x:/x:ro"},           // read-only now
           {"/data:/data", "/srv/x:/x:ro"},             // a bind instead of a named volume
       }) {
    CHECK(seen.insert(spec_hash(db(v))).second);
  }
  // the same mounts written otherwise: order, and rw spelled out (the default)
  CHECK(spec_hash(db({"/srv/x:/x:ro", "data:/data"})) == base);
  CHECK(spec_hash(db({"data:/data:rw", "/srv/x:/x:ro"})) == base);
}

TEST_CASE("spec_hash volumes: length prefixes keep source and target apart") {
  CHECK(spec_hash(db({"ab:/c"})) != spec_hash(db({"a:/bc"})));
  CHECK(spec_hash(db({"a:/b", "c:/d"})) != spec_hash(db({"a:/b"})));
}
