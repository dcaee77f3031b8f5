// Valid service files: every field parses to the expected struct value.
#include <catch2/catch.hpp>

#include "config/parse.hpp"

using namespace shoal::config;

namespace {

ServiceSpec only_service(const std::string& text) {
  auto r = parse_service_file(text, "s.toml");
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  REQUIRE(r.value->size() == 1);
  return r.value->front();
}

}  // namespace

TEST_CASE("service file: every field round-trips into ServiceSpec", "[config][service]") {
  const ServiceSpec s = only_service(R"(
[service.web]
image    = "docker.io/library/nginx:1.27"
command  = ["nginx", "-g", "daemon off;"]
replicas = 3
ports    = { http = 8080, admin = { container = 9000, host = 19000 } }
env      = { MODE = "prod", WORKERS = 4, DEBUG = false }
resources = { cpu = 0.5, memory = "256MiB" }
restart   = { condition = "on-failure", delay = "2s", max_delay = "1m", max_attempts = 5 }
health    = { http = "/healthz", port = "http", interval = "5s", timeout = "2s", retries = 3 }
placement = { constraints = ["zone != eu-3", "label.ssd == true"], spread = "zone", max_per_peer = 1, home = true }
stop_grace = "10s"
)");
  ServiceSpec want;
  want.name = "web";
  want.image = "docker.io/library/nginx:1.27";
  want.command = {"nginx", "-g", "daemon off;"};
  want.replicas = 3;
  want.ports = {Port{"admin", 9000, 19000}, Port{"http", 8080, std::nullopt}};
  want.env = {{"DEBUG", "false"}, {"MODE", "prod"}, {"WORKERS", "4"}};
  want.resources = Resources{500, 256};
  want.restart = RestartPolicy{RestartPolicy::Condition::on_failure, 2000, 60000, 5};
  want.health.kind = HealthCheck::Kind::http;
  want.health.http_path = "/healthz";
  want.health.port = "http";
  want.health.interval = 5000;
  want.health.timeout = 2000;
  want.health.retries = 3;
  want.placement.constraints = {
      Constraint{Constraint::Attr::zone, "", Constraint::Op::ne, {"eu-3"}},
      Constraint{Constraint::Attr::label, "ssd", Constraint::Op::eq, {"true"}}};
  want.placement.spread = Placement::Spread::zone;
  want.placement.max_per_peer = 1;
  want.placement.home = true;
  want.stop_grace = 10000;
  CHECK(s.name == want.name);
  CHECK(s.image == want.image);
  CHECK(s.command == want.command);
  CHECK(s.replicas == want.replicas);
  CHECK(s.ports == want.ports);
  CHECK(s.env == want.env);
  CHECK(s.resources == want.resources);
  CHECK(s.restart == want.restart);
  CHECK(s.health == want.health);
  CHECK(s.placement == want.placement);
  CHECK(s.stop_grace == want.stop_grace);
  CHECK(s.home_peer.empty());
  CHECK(s == want);
}

TEST_CASE("service file: defaults when only command is given", "[config][service]") {
  const ServiceSpec s = only_service("[service.hello]\ncommand = [\"sleep\", \"1000\"]\n");
  ServiceSpec want;
  want.name = "hello";
  want.command = {"sleep", "1000"};
  CHECK(s == want);
  CHECK(s.replicas == 1);
  CHECK(s.stop_grace == 10000);
  CHECK(s.restart.condition == RestartPolicy::Condition::any);
  CHECK(s.health.kind == HealthCheck::Kind::none);
}

TEST_CASE("service file: tcp and exec health checks", "[config][service]") {
  auto tcp = only_service(
      "[service.db]\nimage = \"pg\"\nports = { pg = 5432 }\nhealth = { tcp = \"pg\" }\n");
  CHECK(tcp.health.kind == HealthCheck::Kind::tcp);
  CHECK(tcp.health.port == "pg");
  CHECK(tcp.health.interval == 5000);
  auto exec = only_service(
      "[service.db]\nimage = \"pg\"\nhealth = { exec = [\"pg_isready\", \"-q\"], interval = "
      "\"1m30s\", timeout = \"500ms\", retries = 1 }\n");
  CHECK(exec.health.kind == HealthCheck::Kind::exec);
  CHECK(exec.health.exec == std::vector<std::string>{"pg_isready", "-q"});
  CHECK(exec.health.interval == 90000);
  CHECK(exec.health.timeout == 500);
  CHECK(exec.health.retries == 1);
  // A timeout just below the interval is fine; an interval below the default timeout (2 s)
  // keeps that default (run_probe caps it below the interval).
  auto tight = only_service(
      "[service.db]\nimage = \"pg\"\nhealth = { exec = [\"true\"], interval = \"1s\", "
      "timeout = \"999ms\" }\n");
  CHECK(tight.health.timeout == 999);
  auto fast = only_service(
      "[service.db]\nimage = \"pg\"\nhealth = { exec = [\"true\"], interval = \"1s\" }\n");
  CHECK(fast.health.interval == 1000);
  CHECK(fast.health.timeout == 2000);
}

TEST_CASE("service file: unit variants", "[config][service]") {
  struct Case { const char* resources; std::int64_t cpu; std::int64_t mib; };
  for (const Case& c : {Case{"{ cpu = \"500m\", memory = \"1GiB\" }", 500, 1024},
                        Case{"{ cpu = 2, memory = 1048577 }", 2000, 2},
                        Case{"{ cpu = 0.25, memory = \"512KiB\" }", 250, 1},
                        Case{"{ cpu = 0, memory = 0 }", 0, 0},
                        Case{"{ memory = \"512M\" }", 0, 512}}) {
    INFO(c.resources);
    auto s = only_service(std::string("[service.x]\nimage = \"i\"\nresources = ") + c.resources);
    CHECK(s.resources.cpu_milli == c.cpu);
    CHECK(s.resources.memory_mib == c.mib);
  }
  auto s = only_service(
      "[service.x]\nimage = \"i\"\nreplicas = 0\nstop_grace = \"0s\"\n"
      "restart = { condition = \"none\", delay = \"1s\", max_delay = \"1s\", max_attempts = 0 }\n"
      "placement = { spread = \"none\", max_per_peer = 0, constraints = [] }\n");
  CHECK(s.replicas == 0);
  CHECK(s.stop_grace == 0);
  CHECK(s.restart.condition == RestartPolicy::Condition::none);
  CHECK(s.restart.max_delay == 1000);
  CHECK(s.placement.spread == Placement::Spread::none);
  CHECK(s.placement.constraints.empty());
}

TEST_CASE("service file: placement.spread is auto by default, and peer, zone or none", "[config][service]") {
  CHECK(only_service("[service.x]\nimage = \"i\"\n").placement.spread == Placement::Spread::automatic);
  for (auto mode : {Placement::Spread::automatic, Placement::Spread::peer, Placement::Spread::zone,
                    Placement::Spread::none}) {
    auto s = only_service(std::string("[service.x]\nimage = \"i\"\nplacement = { spread = \"") +
                          shoal::config::spread_name(mode) + "\" }\n");
    CHECK(s.placement.spread == mode);
  }
}

TEST_CASE("service file: mode is replicated by default, or global without replicas", "[config][service]") {
  CHECK(only_service("[service.x]\nimage = \"i\"\n").placement.mode == Placement::Mode::replicated);
  CHECK(only_service("[service.x]\nimage = \"i\"\nmode = \"replicated\"\nreplicas = 2\n").placement.mode ==
        Placement::Mode::replicated);
  auto g = only_service("[service.x]\nimage = \"i\"\nmode = \"global\"\nplacement = { constraints = [\"zone == a\"] }\n");
  CHECK(g.placement.mode == Placement::Mode::global);
  auto bad = parse_service_file("[service.x]\nimage = \"i\"\nmode = \"global\"\nreplicas = 3\n", "f.toml");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].to_string() ==
        "f.toml:4:12: replicas has no meaning with mode = \"global\" (one instance on every eligible peer); remove it");
  auto home = parse_service_file("[service.x]\nimage = \"i\"\nmode = \"global\"\nplacement = { home = true }\n", "f.toml");
  REQUIRE(home.errors.size() == 1);
  CHECK(home.errors[0].to_string().find("placement.home has no meaning with mode = \"global\"") != std::string::npos);
  auto typo = parse_service_file("[service.x]\nimage = \"i\"\nmode = \"daemon\"\n", "f.toml");
  REQUIRE(typo.errors.size() == 1);
  CHECK(typo.errors[0].to_string() == "f.toml:3:8: mode must be \"replicated\" or \"global\", not \"daemon\"");
}

TEST_CASE("service file: several services per file, sorted by name", "[config][service]") {
  auto r = parse_service_file(
      "service.db.image = \"pg\"\n"
      "[service.web]\nimage = \"nginx\"\n\n[service.api]\ncommand = [\"api\"]\n",
      "multi.toml");
  REQUIRE(r.ok());
  REQUIRE(r.value->size() == 3);
  CHECK((*r.value)[0].name == "api");
  CHECK((*r.value)[1].name == "db");
  CHECK((*r.value)[1].image == "pg");
  CHECK((*r.value)[2].name == "web");
}

TEST_CASE("detect_kind: a top-level service table makes a service file", "[config][service]") {
  CHECK(detect_kind("[service.web]\nimage = \"x\"\n") == FileKind::service);
  CHECK(detect_kind("service.web.image = \"x\"\n") == FileKind::service);
  CHECK(detect_kind("name = \"a\"\n") == FileKind::peer);
  CHECK(detect_kind("") == FileKind::peer);
  CHECK(detect_kind("[servce.web]\nimage = \"x\"\n") == FileKind::peer);
  CHECK(detect_kind("service = 3\n") == FileKind::peer);
  // Invalid TOML is classified by its lines.
  CHECK(detect_kind("  [service.web]\nimage = = 3\n") == FileKind::service);
  CHECK(detect_kind("name = = 3\n") == FileKind::peer);
}
