#include <catch2/catch.hpp>

#include <set>

#include "placement/spec_hash.hpp"

using shoal::config::HealthCheck;
using shoal::config::Port;
using shoal::config::ServiceSpec;
using shoal::placement::spec_canonical_bytes;
using shoal::placement::spec_hash;

namespace {

// The fixed spec whose hash is pinned below. Do not edit: the hash is a protocol between peers.
ServiceSpec golden_spec() {
  ServiceSpec s;
  s.name = "web";
  s.image = "docker.io/library/nginx:1.27";
  s.command = {"nginx", "-g", "daemon off;"};
  s.replicas = 3;
  s.ports = {Port{"admin", 9090, std::uint16_t{19090}}, Port{"http", 8080, std::nullopt}};
  s.env = {{"MODE", "prod"}, {"LEVEL", "info"}};
  s.resources = {500, 256};
  s.health.kind = HealthCheck::Kind::http;
  s.health.http_path = "/healthz";
  s.health.port = "http";
  s.health.interval = 5000;
  s.health.timeout = 2000;
  s.health.retries = 3;
  return s;
}

}  // namespace

TEST_CASE("spec_hash: golden value of a fixed spec (a protocol between peers)") {
  const std::string h = spec_hash(golden_spec());
  // Cross-checked with an independent encoder in Python: the documented v1 bytes hashed with
  // hashlib.blake2b(digest_size=16), first 8 bytes read little-endian.
  CHECK(h == "241d073258be8777");
}

TEST_CASE("spec_hash: 16 lowercase hex digits") {
  const std::string h = spec_hash(golden_spec());
  REQUIRE(h.size() == 16);
  for (char c : h) CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
}

TEST_CASE("spec_hash: canonical bytes start with the domain tag, length-prefixed LE") {
  const auto b = spec_canonical_bytes(golden_spec());
  REQUIRE(b.size() > 17);
  CHECK(b[0] == 13);
  CHECK(b[1] == 0);
  CHECK(b[2] == 0);
  CHECK(b[3] == 0);
  CHECK(std::string(b.begin() + 4, b.begin() + 17) == "shoal.spec.v1");
}

TEST_CASE("spec_hash: replicas, placement, restart, stop_grace, name, home_peer do not count") {
  const ServiceSpec base = golden_spec();
  const std::string h = spec_hash(base);
  ServiceSpec s = base;
  s.replicas = 7;
  CHECK(spec_hash(s) == h);
  s = base;
  s.placement.max_per_peer = 1;
  s.placement.spread = shoal::config::Placement::Spread::zone;
  s.placement.home = true;
  s.placement.constraints.push_back({});
  CHECK(spec_hash(s) == h);
  s = base;
  s.restart.condition = shoal::config::RestartPolicy::Condition::none;
  s.restart.max_attempts = 4;
  CHECK(spec_hash(s) == h);
  s = base;
  s.stop_grace = 1;
  s.name = "other";
  s.home_peer = "host-a";
  CHECK(spec_hash(s) == h);
}

TEST_CASE("spec_hash: every instance-shaping field changes it") {
  const ServiceSpec base = golden_spec();
  const std::string h = spec_hash(base);
  std::vector<std::pair<const char*, ServiceSpec>> variants;
  auto add = [&](const char* what, auto edit) {
    ServiceSpec s = base;
    edit(s);
    variants.emplace_back(what, s);
  };
  add("image", [](ServiceSpec& s) { s.image = "docker.io/library/nginx:1.28"; });
  add("command", [](ServiceSpec& s) { s.command.push_back("-q"); });
  add("env value", [](ServiceSpec& s) { s.env["MODE"] = "dev"; });
  add("env key", [](ServiceSpec& s) { s.env["EXTRA"] = ""; });
  add("port container", [](ServiceSpec& s) { s.ports[1].container = 8081; });
  add("port static host", [](ServiceSpec& s) { s.ports[1].host = 8080; });
  add("port name", [](ServiceSpec& s) { s.ports[1].name = "web"; });
  add("cpu", [](ServiceSpec& s) { s.resources.cpu_milli = 501; });
  add("memory", [](ServiceSpec& s) { s.resources.memory_mib = 257; });
  add("health kind", [](ServiceSpec& s) { s.health.kind = HealthCheck::Kind::tcp; });
  add("health path", [](ServiceSpec& s) { s.health.http_path = "/ready"; });
  add("health interval", [](ServiceSpec& s) { s.health.interval = 6000; });
  add("health retries", [](ServiceSpec& s) { s.health.retries = 4; });
  add("health timeout", [](ServiceSpec& s) { s.health.timeout = 2500; });
  add("health port", [](ServiceSpec& s) { s.health.port = "admin"; });
  add("health exec", [](ServiceSpec& s) {
    s.health.kind = HealthCheck::Kind::exec;
    s.health.exec = {"/bin/check", "--quick"};
  });
  add("health exec argv", [](ServiceSpec& s) {
    s.health.kind = HealthCheck::Kind::exec;
    s.health.exec = {"/bin/check", "--slow"};
  });
  std::set<std::string> seen{h};
  for (const auto& [what, s] : variants) {
    INFO(what);
    const std::string v = spec_hash(s);
    CHECK(v != h);
    CHECK(seen.insert(v).second);  // and differ from each other
  }
}

TEST_CASE("spec_hash: length prefixes keep field boundaries apart") {
  ServiceSpec a = golden_spec(), b = golden_spec();
  a.command = {"ab", "c"};
  b.command = {"a", "bc"};
  CHECK(spec_hash(a) != spec_hash(b));
  a = golden_spec();
  b = golden_spec();
  a.env = {{"K", "V=1"}};
  b.env = {{"K=V", "1"}};
  CHECK(spec_hash(a) != spec_hash(b));
  a = golden_spec();
  b = golden_spec();
  a.image = "x";
  a.command = {};
  b.image = "";
  b.command = {"x"};
  CHECK(spec_hash(a) != spec_hash(b));
}

TEST_CASE("spec_hash: port order does not matter, unused health fields do not count") {
  ServiceSpec a = golden_spec(), b = golden_spec();
  std::swap(b.ports[0], b.ports[1]);
  CHECK(spec_hash(a) == spec_hash(b));

  a.health = HealthCheck{};  // kind none
  b = a;
  b.health.interval = 1234;
  b.health.retries = 9;
  b.health.http_path = "/ignored";
  CHECK(spec_hash(a) == spec_hash(b));
}
