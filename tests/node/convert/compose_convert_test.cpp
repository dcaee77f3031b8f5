// What each compose key becomes in the service file, and what is reported instead.
#include <catch2/catch.hpp>

#include <algorithm>

#include "config/parse.hpp"
#include "node/convert/compose.hpp"

using shoal::convert::convert_compose;
using shoal::convert::Converted;

namespace {

Converted converted(const std::string& yaml) { return convert_compose(yaml, "c.yml"); }

// The one service of `yaml`, checked to convert and to parse back.
shoal::config::ServiceSpec one(const std::string& yaml, Converted* out = nullptr) {
  Converted c = converted(yaml);
  std::string errors;
  for (const auto& e : c.errors) errors += e.to_string("c.yml") + "\n";
  INFO(errors);
  REQUIRE(c.ok());
  REQUIRE(c.services.size() == 1);
  auto parsed = shoal::config::parse_service_file(c.services[0].toml, "out.toml");
  INFO(c.services[0].toml);
  REQUIRE(parsed.ok());
  if (out != nullptr) *out = c;
  return parsed.value->front();
}

std::vector<std::string> warned_keys(const Converted& c) {
  std::vector<std::string> keys;
  for (const auto& w : c.warnings) keys.push_back(w.key);
  return keys;
}

}  // namespace

TEST_CASE("a service with every mapped key converts to this file") {
  const std::string yaml = R"(services:
  web:
    image: nginx:1.27
    command: ["nginx", "-g", "daemon off;"]
    environment:
      MODE: prod
      WORKERS: 4
      DEBUG: "false"
    ports:
      - "8080:80"
      - 443
      - target: 9000
        published: "9001"
        name: metrics
    deploy:
      replicas: 3
      resources:
        limits: {cpus: "0.5", memory: 256M}
      restart_policy: {condition: on-failure, delay: 5s, max_attempts: 3}
      placement:
        constraints: [node.labels.ssd == true, node.hostname != host-b]
        max_replicas_per_node: 1
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"]
      interval: 10s
      timeout: 3s
      retries: 4
    stop_grace_period: 1m30s
    volumes: ["data:/var/lib/data", "/srv/conf:/etc/nginx/conf.d:ro"]
)";
  Converted c = converted(yaml);
  REQUIRE(c.ok());
  CHECK(c.warnings.empty());
  REQUIRE(c.services.size() == 1);
  CHECK(c.services[0].name == "web");
  CHECK(c.services[0].toml == R"(# Converted by `shoal convert` from c.yml (compose service `web`).
[service.web]
image = "nginx:1.27"
command = ["nginx", "-g", "daemon off;"]
replicas = 3
resources = { cpu = "500m", memory = "256MiB" }
restart = { condition = "on-failure", delay = "5s", max_attempts = 3 }
health = { exec = ["/bin/sh", "-c", "curl -f http://localhost/ || exit 1"], interval = "10s", timeout = "3s", retries = 4 }
placement = { constraints = ["label.ssd == true", "name != host-b"], max_per_peer = 1 }
stop_grace = "1m30s"
volumes = ["data:/var/lib/data", "/srv/conf:/etc/nginx/conf.d:ro"]

[service.web.ports]
p80 = { container = 80, host = 8080 }
p443 = 443
metrics = { container = 9000, host = 9001 }

[service.web.env]
MODE = "prod"
WORKERS = "4"
DEBUG = "false"
)");
  auto s = one(yaml);
  CHECK(s.replicas == 3);
  CHECK(s.resources.cpu_milli == 500);
  CHECK(s.health.retries == 4);
}

TEST_CASE("command and environment take both compose forms") {
  auto s = one("services:\n  a:\n    image: x\n    command: run --name 'a b' \"c\\\"d\" e\\ f\n"
               "    environment: [A=1, B=x=y, C=]\n");
  CHECK(s.command == std::vector<std::string>{"run", "--name", "a b", "c\"d", "e f"});
  CHECK(s.env == std::map<std::string, std::string>{{"A", "1"}, {"B", "x=y"}, {"C", ""}});
}

TEST_CASE("an empty command leaves the image's CMD, and says so") {
  for (const char* empty : {"[]", "''"}) {
    Converted c;
    auto s = one(std::string("services:\n  a: {image: x, command: ") + empty + "}\n", &c);
    CHECK(s.command.empty());
    CHECK(warned_keys(c) == std::vector<std::string>{"services.a.command"});
  }
}

TEST_CASE("variables without a value and names Shoal refuses are reported") {
  Converted c;
  auto s = one("services:\n  a:\n    image: x\n    environment:\n      HOME:\n      discovery.type: "
               "single-node\n      OK: ${OK:-1}\n    command: [echo, $$HOME, '${X}']\n",
               &c);
  CHECK(s.env == std::map<std::string, std::string>{{"OK", "1"}});
  CHECK(s.command == std::vector<std::string>{"echo", "$HOME", "${X}"});
  CHECK(warned_keys(c) == std::vector<std::string>{"services.a.environment.HOME",
                                                   "services.a.environment.discovery.type",
                                                   "services.a.environment.OK",
                                                   "services.a.command"});
  CHECK(c.warnings[0].line == 5);
  CHECK(c.warnings[2].message == "`${OK:-1}` became `1`: Shoal substitutes no variables, their "
                                 "defaults are used");
  CHECK(c.warnings[3].message.find("without a default") != std::string::npos);
}

TEST_CASE("ports Shoal cannot express are reported, never widened") {
  Converted c;
  auto s = one("services:\n  a:\n    image: x\n    ports:\n      - 127.0.0.1:9229:9229\n"
               "      - 53:53/udp\n      - 8000-8001:80-81\n      - 0.0.0.0:81:80\n"
               "      - target: 90\n        published: 91\n        mode: ingress\n",
               &c);
  REQUIRE(s.ports.size() == 2);
  CHECK(s.ports[0].name == "p80");
  CHECK(s.ports[0].host == 81);
  CHECK(s.ports[1].name == "p90");
  CHECK(warned_keys(c) == std::vector<std::string>{"services.a.ports[0]", "services.a.ports[1]",
                                                   "services.a.ports[2]",
                                                   "services.a.ports[4].mode"});
}

TEST_CASE("deploy: global mode, reservations, restart and the update policy") {
  Converted c;
  auto s = one(R"(services:
  a:
    image: x
    restart: always
    deploy:
      mode: global
      replicas: 2
      resources:
        limits: {memory: 1g}
        reservations: {cpus: '0.25', memory: 512m}
      restart_policy: {condition: any, delay: 2m, window: 60s}
      update_config: {parallelism: 2, delay: 10s, order: start-first}
      placement:
        constraints: [node.role == manager, "node.labels.zone==eu 1"]
        preferences: [{spread: node.labels.zone}]
      labels: [a=b]
)",
               &c);
  CHECK(s.placement.mode == shoal::config::Placement::Mode::global);
  CHECK(s.resources.memory_mib == 1024);
  CHECK(s.resources.cpu_milli == 250);  // only reserved: reservations stand in
  CHECK(s.restart.delay == 120000);
  CHECK(s.restart.max_delay == 120000);
  REQUIRE(s.placement.constraints.size() == 1);
  CHECK(s.placement.constraints[0].to_string() == "label.zone == \"eu 1\"");
  REQUIRE(s.update);
  CHECK(s.update->parallelism == 2);
  CHECK(s.update->order == shoal::config::UpdatePolicy::Order::start_first);
  CHECK(warned_keys(c) == std::vector<std::string>{
                              "services.a.restart",
                              "services.a.deploy.replicas",
                              "services.a.deploy.resources.reservations",
                              "services.a.deploy.restart_policy.window",
                              "services.a.deploy.update_config.delay",
                              "services.a.deploy.placement.constraints",
                              "services.a.deploy.placement.preferences",
                              "services.a.deploy.labels"});
}

TEST_CASE("deploy.update_config: parallelism, order, monitor and rollback become the update table") {
  Converted c;
  auto s = one(R"(services:
  a:
    image: x
    deploy:
      update_config: {parallelism: 3, order: stop-first, monitor: 30s, failure_action: rollback}
      rollback_config: {parallelism: 1}
)",
               &c);
  REQUIRE(s.update);
  CHECK(s.update->parallelism == 3);
  CHECK(s.update->min_healthy_time == 30000);
  CHECK(s.update->auto_revert);
  CHECK(s.update->order == shoal::config::UpdatePolicy::Order::stop_first);
  CHECK(warned_keys(c) == std::vector<std::string>{"services.a.deploy.rollback_config.parallelism"});
  CHECK_FALSE(one("services:\n  a: {image: x, deploy: {update_config: {delay: 5s}}}\n").update);
  // pause is what a failed version does in Shoal anyway: the table, with its defaults.
  const auto paused = one("services:\n  a: {image: x, deploy: {update_config: {failure_action: pause}}}\n");
  REQUIRE(paused.update);
  CHECK_FALSE(paused.update->auto_revert);
  Converted k;
  one("services:\n  a: {image: x, deploy: {update_config: {failure_action: continue}}}\n", &k);
  CHECK(warned_keys(k) == std::vector<std::string>{"services.a.deploy.update_config.failure_action"});
}

TEST_CASE("cpus, mem_limit and mem_reservation outside deploy, where deploy wins") {
  auto s = one("services:\n  a: {image: x, cpus: 1.5, mem_limit: 300m}\n");
  CHECK(s.resources.cpu_milli == 1500);
  CHECK(s.resources.memory_mib == 300);
  CHECK(one("services:\n  a: {image: x, mem_reservation: 64m}\n").resources.memory_mib == 64);
  Converted c;
  s = one("services:\n  a:\n    image: x\n    mem_limit: 1g\n    mem_reservation: 64m\n"
          "    cpus: 2\n    deploy: {resources: {limits: {cpus: '0.5'}}}\n",
          &c);
  CHECK(s.resources.cpu_milli == 500);
  CHECK(s.resources.memory_mib == 1024);
  CHECK(warned_keys(c) == std::vector<std::string>{"services.a.mem_reservation", "services.a.cpus"});
}

TEST_CASE("a key that is not compose's is reported with the key it resembles") {
  Converted c;
  one("services:\n  a:\n    image: x\n    enviroment: {A: 1}\n    shm_size: 1g\n    frobs: 1\n",
      &c);
  REQUIRE(c.warnings.size() == 3);
  CHECK(c.warnings[0].message == "not converted: not a compose key (did you mean `environment`?)");
  CHECK(c.warnings[1].message == "not converted: Shoal has no equivalent");
  CHECK(c.warnings[2].message == "not converted: not a compose key");
}

TEST_CASE("restart and scale outside deploy") {
  CHECK(one("services:\n  a: {image: x, restart: 'on-failure:5'}\n").restart.max_attempts == 5);
  CHECK(one("services:\n  a: {image: x, restart: 'no'}\n").restart.condition ==
        shoal::config::RestartPolicy::Condition::none);
  CHECK(one("services:\n  a: {image: x, scale: 4}\n").replicas == 4);
}

TEST_CASE("healthcheck forms") {
  auto shell = one("services:\n  a: {image: x, healthcheck: {test: /bin/check.sh}}\n");
  CHECK(shell.health.exec == std::vector<std::string>{"/bin/sh", "-c", "/bin/check.sh"});
  CHECK(shell.health.interval == 30000);  // compose's default, not Shoal's
  auto cmd = one("services:\n  a: {image: x, healthcheck: {test: [CMD, pg_isready]}}\n");
  CHECK(cmd.health.exec == std::vector<std::string>{"pg_isready"});
  for (const char* off : {"{test: [NONE]}", "{test: [CMD, x], disable: true}"}) {
    CHECK(one(std::string("services:\n  a: {image: x, healthcheck: ") + off + "}\n").health.kind ==
          shoal::config::HealthCheck::Kind::none);
  }
  Converted c;
  auto slow = one("services:\n  a:\n    image: x\n    healthcheck: {test: [CMD, x], interval: 10s, "
                  "timeout: 10s, start_period: 30s, retries: 0}\n",
                  &c);
  CHECK(slow.health.timeout == 2000);
  CHECK(warned_keys(c) == std::vector<std::string>{"services.a.healthcheck.timeout",
                                                   "services.a.healthcheck.start_period",
                                                   "services.a.healthcheck.retries"});
}

TEST_CASE("volumes: named and absolute binds convert, the rest is reported") {
  Converted c;
  auto s = one(R"(services:
  a:
    image: x
    volumes:
      - db:/var/lib/db
      - /etc/x:/x:ro,z
      - ./src:/src
      - /anonymous
      - type: bind
        source: /srv
        target: /srv
        read_only: true
      - {type: tmpfs, target: /tmp}
)",
               &c);
  CHECK(s.volumes.size() == 3);
  CHECK(s.volumes[1].to_string() == "/etc/x:/x:ro");
  CHECK(s.volumes[2].to_string() == "/srv:/srv:ro");
  CHECK(warned_keys(c) == std::vector<std::string>{"services.a.volumes[1]", "services.a.volumes[2]",
                                                   "services.a.volumes[3]",
                                                   "services.a.volumes[5]"});
}

TEST_CASE("merge keys apply, the service's own keys win, x- keys are ignored") {
  auto s = one(R"(x-common: &common
  image: base
  environment: {A: "1"}
  restart: always
services:
  a:
    <<: *common
    image: mine
)");
  CHECK(s.image == "mine");
  CHECK(s.env.at("A") == "1");
}

TEST_CASE("service names become Shoal names, a clash is an error, no image is skipped") {
  Converted c;
  auto s = one("services:\n  My_App.v2: {image: x}\n  builder: {build: .}\n", &c);
  CHECK(s.name == "my-app-v2");
  CHECK(warned_keys(c) == std::vector<std::string>{"services.My_App.v2", "services.builder",
                                                   "services.builder.build"});
  CHECK_FALSE(converted("services:\n  a_b: {image: x}\n  a-b: {image: y}\n").ok());
  Converted none = converted("services:\n  builder: {build: .}\n");
  REQUIRE_FALSE(none.ok());
  CHECK(none.errors[0].message == "no service has an image: nothing to convert");
}

TEST_CASE("every key without an equivalent is reported at its line, top level too") {
  Converted c;
  one(R"(version: "3.8"
services:
  a:
    image: x
    networks: [n]
    depends_on: [b]
    secrets: [s]
    entrypoint: /bin/x
    cap_add: [NET_ADMIN]
networks: {n: {driver: overlay}}
volumes:
  plain:
  tuned: {driver: local}
secrets: {s: {file: ./s}}
)",
      &c);
  CHECK(warned_keys(c) == std::vector<std::string>{
                              "version", "services.a.networks", "services.a.depends_on",
                              "services.a.secrets", "services.a.entrypoint", "services.a.cap_add",
                              "networks.n", "volumes.tuned.driver", "secrets.s"});
  CHECK(c.warnings[1].line == 5);
  CHECK(c.warnings[1].col == 5);
  CHECK(c.warnings[1].to_string("c.yml") ==
        "c.yml:5:5: services.a.networks: not converted: instances find each other with "
        "`shoal endpoints` or DNS (NAME.service.shoal)");
}

TEST_CASE("strings that need escaping survive the round trip") {
  auto s = one("services:\n  a:\n    image: x\n    command: [\"a\\\"b\\\\c\", \"tab\\there\", "
               "\"line\\nbreak\", \"\\x7f\", \"é\"]\n");
  CHECK(s.command == std::vector<std::string>{"a\"b\\c", "tab\there", "line\nbreak", "\x7f",
                                              "é"});
}
