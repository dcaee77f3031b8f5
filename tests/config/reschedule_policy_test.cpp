// The service file's `reschedule` table: defaults, every key, and errors that name the key (at
// its position); the validator bounds a gossiped spec's policy without a reader in front.
#include <catch2/catch.hpp>

#include "config/parse.hpp"
#include "config/validate_spec.hpp"
#include "tests/config/service_file_errors.hpp"

using namespace shoal::config;
using shoal::config::test::service_file_errors;

namespace {

const std::string kHead = "[service.web]\nimage = \"nginx\"\nrestart = { max_attempts = 3 }\n";

std::string reschedule_errors(const std::string& body) {
  return service_file_errors(kHead + body);
}

std::optional<ReschedulePolicy> reschedule_of(const std::string& body) {
  auto r = parse_service_file(kHead + body, "f.toml");
  INFO(reschedule_errors(body));
  REQUIRE(r.ok());
  return r.value->at(0).reschedule;
}

}  // namespace

TEST_CASE("reschedule: absent means none, an empty table means the defaults",
          "[config][reschedule]") {
  CHECK_FALSE(reschedule_of(""));
  auto p = reschedule_of("reschedule = {}\n");
  REQUIRE(p);
  CHECK(*p == ReschedulePolicy{});
  CHECK(p->attempts == 3);
  CHECK(p->interval == 3'600'000);
  CHECK(p->delay == 30'000);
}

TEST_CASE("reschedule: every key is read", "[config][reschedule]") {
  auto p = reschedule_of("reschedule = { attempts = 2, interval = \"10m\", delay = \"0s\" }\n");
  REQUIRE(p);
  CHECK(p->attempts == 2);
  CHECK(p->interval == 600'000);
  CHECK(p->delay == 0);
}

TEST_CASE("reschedule: errors name the key and its position", "[config][reschedule]") {
  CHECK(reschedule_errors("reschedule = { attempts = 0 }\n") ==
        "f.toml:4:27: reschedule.attempts must be from 1 to 100");
  CHECK_THAT(reschedule_errors("reschedule = { interval = \"0s\" }\n"),
             Catch::Matchers::StartsWith("f.toml:4:27: reschedule.interval"));
  CHECK(reschedule_errors("reschedule = { interval = \"169h\" }\n") ==
        "f.toml:4:27: reschedule.interval must be at most 168h (7 days)");
  CHECK(reschedule_errors("reschedule = { delay = \"2h\" }\n") ==
        "f.toml:4:24: reschedule.delay must be at most 1h");
  CHECK(reschedule_errors("reschedule = { atempts = 2 }\n") ==
        "f.toml:4:16: unknown key `atempts` in reschedule (did you mean `attempts`?)");
  CHECK_THAT(reschedule_errors("reschedule = 3\n"), Catch::Matchers::StartsWith("f.toml:4:14: reschedule"));
}

TEST_CASE("reschedule: refused where an instance can never fail or move", "[config][reschedule]") {
  auto r = parse_service_file("[service.web]\nimage = \"nginx\"\nreschedule = {}\n", "f.toml");
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.errors.at(0).to_string(),
             Catch::Matchers::StartsWith("f.toml:3:14: reschedule needs restart.max_attempts > 0"));
  CHECK_THAT(reschedule_errors("mode = \"global\"\nreschedule = {}\n"),
             Catch::Matchers::Contains("reschedule has no meaning with mode = \"global\""));
}

TEST_CASE("reschedule: the validator bounds a gossiped policy", "[config][reschedule]") {
  ServiceSpec s;
  s.name = "web";
  s.image = "nginx";
  s.restart.max_attempts = 2;
  s.reschedule = ReschedulePolicy{};
  CHECK(validation_error(s, {}).empty());
  s.reschedule->attempts = 0;
  s.reschedule->delay = -1;
  const std::string e = validation_error(s, {});
  CHECK_THAT(e, Catch::Matchers::Contains("reschedule.attempts must be from 1 to 100"));
  CHECK_THAT(e, Catch::Matchers::Contains("reschedule.delay must be from 0 to"));
}
