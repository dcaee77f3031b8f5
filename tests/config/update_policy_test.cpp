// The service file's `update` table: defaults, every key, and errors that name the key (at its
// position); the validator bounds a gossiped spec's policy without a reader in front.
#include <catch2/catch.hpp>

#include "config/parse.hpp"
#include "config/validate_spec.hpp"
#include "tests/config/service_file_errors.hpp"

using namespace shoal::config;
using shoal::config::test::service_file_errors;

namespace {

std::string update_errors(const std::string& update) {
  return service_file_errors("[service.web]\nimage = \"nginx\"\nupdate = " + update + "\n");
}

std::optional<UpdatePolicy> update_of(const std::string& file) {
  auto r = parse_service_file(file, "f.toml");
  REQUIRE(r.ok());
  return r.value->at(0).update;
}

}  // namespace

TEST_CASE("update: absent means no policy, an empty table means the defaults", "[config][update]") {
  CHECK_FALSE(update_of("[service.web]\nimage = \"nginx\"\n"));
  auto u = update_of("[service.web]\nimage = \"nginx\"\nupdate = {}\n");
  REQUIRE(u);
  CHECK(*u == UpdatePolicy{});
  CHECK(u->parallelism == 1);
  CHECK(u->order == UpdatePolicy::Order::stop_first);
  CHECK(u->min_healthy_time == 10'000);
  CHECK(u->healthy_deadline == 300'000);
  CHECK_FALSE(u->auto_revert);
  CHECK(u->canary == 0);
}

TEST_CASE("update: every key is read", "[config][update]") {
  auto u = update_of(
      "[service.web]\nimage = \"nginx\"\nreplicas = 4\n[service.web.update]\nparallelism = 2\n"
      "order = \"stop-first\"\nmin_healthy_time = \"30s\"\nhealthy_deadline = \"2m\"\n"
      "auto_revert = false\ncanary = 0\n");
  REQUIRE(u);
  CHECK(u->parallelism == 2);
  CHECK(u->min_healthy_time == 30'000);
  CHECK(u->healthy_deadline == 120'000);
  CHECK(u->order == UpdatePolicy::Order::stop_first);
  auto sf = update_of("[service.web]\nimage = \"nginx\"\nupdate = { order = \"start-first\" }\n");
  REQUIRE(sf);
  CHECK(sf->order == UpdatePolicy::Order::start_first);
}

TEST_CASE("update: auto_revert = true is read", "[config][update]") {
  auto u = update_of("[service.web]\nimage = \"nginx\"\nupdate = { auto_revert = true }\n");
  REQUIRE(u);
  CHECK(u->auto_revert);
}

TEST_CASE("update: errors name the key and its position", "[config][update]") {
  CHECK(update_errors("{ parallelism = 0 }") ==
        "f.toml:3:26: update.parallelism must be from 1 to 10000");
  CHECK_THAT(update_errors("{ order = \"first\" }"), Catch::Matchers::StartsWith("f.toml:3:20: update.order"));
  CHECK_THAT(update_errors("{ min_healthy_time = \"soon\" }"), Catch::Matchers::StartsWith("f.toml:3:31: update.min_healthy_time"));
  CHECK_THAT(update_errors("{ auto_revert = 1 }"), Catch::Matchers::StartsWith("f.toml:3:26: update.auto_revert"));
  CHECK(update_errors("{ paralelism = 2 }") ==
        "f.toml:3:12: unknown key `paralelism` in update (did you mean `parallelism`?)");
  CHECK_THAT(update_errors("5"), Catch::Matchers::StartsWith("f.toml:3:10: update must be a table"));
}

TEST_CASE("update: the validator bounds a gossiped policy", "[config][update]") {
  ServiceSpec s;
  s.name = "web";
  s.image = "nginx";
  s.update = UpdatePolicy{};
  CHECK(validate(s).empty());
  s.update->parallelism = 0;
  s.update->min_healthy_time = -1;
  s.update->healthy_deadline = 0;
  s.update->canary = -2;
  std::vector<std::string> fields;
  for (const auto& i : validate(s)) fields.push_back(i.field);
  CHECK(fields == std::vector<std::string>{"update.parallelism", "update.min_healthy_time",
                                           "update.healthy_deadline", "update.canary"});
}

TEST_CASE("update: canary is an integer from 0 to replicas, named at its position", "[config][update]") {
  auto u = update_of("[service.web]\nimage = \"nginx\"\nreplicas = 3\nupdate = { canary = 3 }\n");
  REQUIRE(u);
  CHECK(u->canary == 3);
  auto parsed = [](const std::string& update, const std::string& extra = "replicas = 3\n") {
    auto r = parse_service_file("[service.web]\nimage = \"nginx\"\n" + extra + "update = " + update + "\n",
                                "f.toml");
    std::string out;
    for (const auto& e : r.errors) out += (out.empty() ? "" : "\n") + e.to_string();
    return out;
  };
  CHECK(parsed("{ canary = 4 }") == "f.toml:4:21: update.canary must be from 0 to replicas (3), not 4");
  CHECK(update_errors("{ canary = 2 }") == "f.toml:3:21: update.canary must be from 0 to replicas (1), not 2");
  CHECK(parsed("{ canary = -1 }") == "f.toml:4:21: update.canary must be from 0 to 10000");
  CHECK(parsed("{ canary = 1.5 }") == "f.toml:4:21: update.canary must be an integer, not a float");
  CHECK(parsed("{ canary = \"1\" }") == "f.toml:4:21: update.canary must be an integer, not a string");
  CHECK(parsed("{ canary = 1 }", "mode = \"global\"\n") ==
        "f.toml:4:21: update.canary has no meaning with mode = \"global\"; use 0 or remove it");
  CHECK(parsed("{ canary = 0 }", "mode = \"global\"\n").empty());
  // The validator bounds a gossiped spec the same way (no reader in front).
  ServiceSpec s;
  s.name = "web";
  s.image = "nginx";
  s.replicas = 2;
  s.update = UpdatePolicy{};
  s.update->canary = 2;
  CHECK(validate(s).empty());
  s.update->canary = 3;
  REQUIRE(validate(s).size() == 1);
  CHECK(validate(s)[0].field == "update.canary");
}
