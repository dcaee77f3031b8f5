// The one spec validator: its limits, through a TOML file (with positions) and on a spec built
// as a gossiped one would be (no reader in front of it).
#include <catch2/catch.hpp>

#include <limits>

#include "config/parse.hpp"
#include "config/validate_spec.hpp"
#include "tests/config/service_file_errors.hpp"

using namespace shoal::config;
using shoal::config::test::service_file_errors;

namespace {

ServiceSpec good() {
  ServiceSpec s;
  s.name = "web";
  s.command = {"sleep", "100"};
  s.replicas = 3;
  s.ports = {Port{"http", 8080, std::nullopt}};
  s.health.kind = HealthCheck::Kind::http;
  s.health.http_path = "/";
  s.health.port = "http";
  return s;
}

std::string first_error(const ServiceSpec& s) {
  auto issues = validate(s);
  return issues.empty() ? std::string() : issues.front().field + ": " + issues.front().message;
}

}  // namespace

TEST_CASE("validate: a default and a typical spec pass", "[config][validate]") {
  CHECK(validate(good()).empty());
  ServiceSpec d;
  d.name = "x";
  d.image = "nginx";
  CHECK(validate(d).empty());
}

TEST_CASE("validate: every number is bounded", "[config][validate]") {
  auto with = [](auto change) {
    ServiceSpec s = good();
    change(s);
    return first_error(s);
  };
  CHECK(with([](ServiceSpec& s) { s.replicas = std::numeric_limits<int>::max(); }) ==
        "replicas: replicas must be from 0 to 10000, not 2147483647");
  CHECK(with([](ServiceSpec& s) { s.replicas = -1; }) ==
        "replicas: replicas must be from 0 to 10000, not -1");
  CHECK(with([](ServiceSpec& s) { s.resources.memory_mib = std::numeric_limits<std::int64_t>::max(); })
            .rfind("resources.memory: resources.memory must be from 0 to", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.resources.cpu_milli = -5; })
            .rfind("resources.cpu: ", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.ports[0].container = 0; }) ==
        "ports.http: ports.http.container must be from 1 to 65535, not 0");
  CHECK(with([](ServiceSpec& s) { s.stop_grace = -1; }).rfind("stop_grace: ", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.restart.delay = 0; }).rfind("restart.delay: ", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.restart.max_delay = 400LL * 24 * 3600 * 1000; })
            .rfind("restart.max_delay: restart.max_delay must be from 1ms to", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.restart.max_attempts = -1; })
            .rfind("restart.max_attempts: ", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.health.retries = 1'000'000; })
            .rfind("health.retries: ", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.placement.max_per_peer = -3; })
            .rfind("placement.max_per_peer: ", 0) == 0);
}

TEST_CASE("validate: names, strings and shape", "[config][validate]") {
  auto with = [](auto change) {
    ServiceSpec s = good();
    change(s);
    return first_error(s);
  };
  CHECK(with([](ServiceSpec& s) { s.name = "Bad_Name"; }) ==
        ": service name may only contain a-z, 0-9 and '-': `Bad_Name`");
  CHECK(with([](ServiceSpec& s) { s.name = std::string(64, 'a'); })
            .rfind(": service name is longer than 63", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.command = {"a\xff"}; }) ==
        "command[0]: command[0] must be UTF-8 text without NUL bytes");
  CHECK(with([](ServiceSpec& s) { s.command = {std::string("a\0b", 3)}; }) ==
        "command[0]: command[0] must be UTF-8 text without NUL bytes");
  CHECK(with([](ServiceSpec& s) { s.command.assign(2000, "x"); })
            .rfind("command: command has 2000 arguments", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.env["1X"] = "v"; }).rfind("env: env: `1X`", 0) == 0);
  CHECK(with([](ServiceSpec& s) {
          for (int i = 0; i < 10; ++i) s.env["V" + std::to_string(i)] = std::string(120'000, 'v');
        }).rfind("env: command, health.exec and env take", 0) == 0);
  CHECK(with([](ServiceSpec& s) { s.health.port = "nope"; }) ==
        "health.port: health.port `nope` is not a port of this service");
  CHECK(with([](ServiceSpec& s) { s.command.clear(); }) ==
        ": service `web` needs an image or a command");
  CHECK(with([](ServiceSpec& s) { s.ports.push_back(Port{"http", 1, std::nullopt}); }) ==
        "ports.http: ports.http appears twice");
}

TEST_CASE("validate: UTF-8 checks", "[config][validate]") {
  CHECK(valid_utf8("plain"));
  CHECK(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9f"));
  CHECK_FALSE(valid_utf8("\xc3"));          // truncated
  CHECK_FALSE(valid_utf8("\xc0\xaf"));      // overlong
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));  // surrogate
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(valid_utf8("\x80"));
}

TEST_CASE("service file: the validator's limits are reported at the key", "[config][validate]") {
  CHECK(service_file_errors("[service.web]\nimage = \"x\"\nreplicas = 2147483647") ==
        "f.toml:3:12: replicas must be from 0 to 10000, not 2147483647");
  CHECK(service_file_errors("[service.web]\nimage = \"x\"\nreplicas = 10000").empty());
  CHECK(service_file_errors("[service.web]\nimage = \"x\"\nresources = { memory = 9223372036854775807 }") ==
        "f.toml:3:24: resources.memory must be from 0 to 1099511627776 MiB, not 8796093022208 MiB");
  CHECK(service_file_errors("[service.web]\nimage = \"x\"\nresources = { memory = \"1024TiB\" }").empty());
  CHECK(service_file_errors("[service.web]\nimage = \"x\"\nstop_grace = \"9000h\"") ==
        "f.toml:3:14: stop_grace must be from 0s to 8784h, not 32400000000ms");
  CHECK(service_file_errors("[service.web]\nimage = \"x\"\nplacement = { max_per_peer = 20000 }") ==
        "f.toml:3:30: placement.max_per_peer must be from 0 to 10000, not 20000");
  CHECK(service_file_errors("[service.web]\nimage = \"x\"\nrestart = { max_attempts = 2000000 }") ==
        "f.toml:3:28: restart.max_attempts must be from 0 to 1000000, not 2000000");
}

TEST_CASE("service file: reader errors come alone (no double report)", "[config][validate]") {
  CHECK(service_file_errors("[service.web]\nimage = \"x\"\nreplicas = -1") ==
        "f.toml:3:12: replicas must be >= 0");
}

TEST_CASE("limits.max_replicas: a peer file raises the bound, service files follow it",
          "[config][validate]") {
  auto p = parse_peer_file("limits = { max_replicas = 50000 }\n", "peer.toml");
  REQUIRE(p.ok());
  CHECK(p.value->limits.max_replicas == 50000);
  CHECK(parse_peer_file("", "peer.toml").value->limits.max_replicas == 10000);
  auto bad = parse_peer_file("limits = { max_replicas = 200000 }\n", "peer.toml");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].to_string() ==
        "peer.toml:1:27: limits.max_replicas must be from 0 to 100000");
  const std::string file = "[service.web]\nimage = \"x\"\nreplicas = 20000\n";
  CHECK_FALSE(parse_service_file(file, "f.toml").ok());
  CHECK(parse_service_file(file, "f.toml", 50000).ok());
  ServiceSpec s = good();
  s.replicas = 20000;
  CHECK_FALSE(validate(s).empty());
  CHECK(validate(s, SpecLimits{50000}).empty());
}
