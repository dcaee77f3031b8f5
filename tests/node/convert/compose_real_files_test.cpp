// Real compose files from public projects (compose/SOURCES.md): every one converts, every
// service file it gives is accepted by Shoal's parser (what `shoal check` runs), and the
// warnings list exactly the keys left out, at their lines.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <utility>

#include "config/parse.hpp"
#include "node/convert/compose.hpp"

using shoal::convert::Converted;

namespace {

std::string read(const std::string& name) {
  std::ifstream in(std::string(SHOAL_COMPOSE_DIR) + "/" + name, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Expected {
  const char* file;
  std::vector<std::string> services;
  std::vector<std::pair<int, std::string>> warnings;  // line, key
};

// Converts `file`, checks every service parses back; returns the specs by name.
std::map<std::string, shoal::config::ServiceSpec> convert_file(const std::string& file,
                                                               Converted& c) {
  c = shoal::convert::convert_compose(read(file), file);
  std::string errors;
  for (const auto& e : c.errors) errors += e.to_string(file) + "\n";
  INFO(errors);
  REQUIRE(c.ok());
  std::map<std::string, shoal::config::ServiceSpec> specs;
  for (const auto& s : c.services) {
    auto parsed = shoal::config::parse_service_file(s.toml, s.name + ".toml");
    INFO(s.toml);
    REQUIRE(parsed.ok());
    REQUIRE(parsed.value->size() == 1);
    CHECK(parsed.value->front().name == s.name);
    specs[s.name] = parsed.value->front();
  }
  return specs;
}

}  // namespace

TEST_CASE("real compose files convert, parse back, and report every key left out") {
  const std::vector<Expected> files = {
    {"awesome-compose-elasticsearch-logstash-kibana.yaml",
     {"elasticsearch", "logstash", "kibana"},
     {{4, "services.elasticsearch.container_name"},
      {6, "services.elasticsearch.environment.discovery.type"},
      {14, "services.elasticsearch.healthcheck.timeout"},
      {16, "services.elasticsearch.networks"},
      {20, "services.logstash.container_name"},
      {22, "services.logstash.environment.discovery.seed_hosts"},
      {25, "services.logstash.volumes[0]"},
      {26, "services.logstash.volumes[1]"},
      {29, "services.logstash.ports[1]"},
      {32, "services.logstash.depends_on"},
      {34, "services.logstash.networks"},
      {39, "services.kibana.container_name"},
      {42, "services.kibana.depends_on"},
      {44, "services.kibana.networks"},
      {47, "networks.elastic"}}},
    {"awesome-compose-nginx-flask-mysql.yaml",
     {"db"},
     {{13, "services.db.healthcheck.start_period"},
      {14, "services.db.secrets"},
      {18, "services.db.networks"},
      {23, "services.db.expose"},
      {28, "services.backend.build"},
      {28, "services.backend"},
      {32, "services.backend.secrets"},
      {36, "services.backend.networks"},
      {39, "services.backend.depends_on"},
      {44, "services.proxy.build"},
      {44, "services.proxy"},
      {48, "services.proxy.depends_on"},
      {50, "services.proxy.networks"},
      {57, "secrets.db-password"},
      {61, "networks.backnet"},
      {62, "networks.frontnet"}}},
    {"awesome-compose-pihole-cloudflared-DoH.yaml",
     {"cloudflared", "pihole"},
     {{1, "version"},
      {5, "services.cloudflared.container_name"},
      {8, "services.cloudflared.ports[1]"},
      {10, "services.cloudflared.environment.TZ"},
      {14, "services.cloudflared.networks"},
      {19, "services.pihole.container_name"},
      {23, "services.pihole.ports[1]"},
      {24, "services.pihole.ports[2]"},
      {28, "services.pihole.environment.TZ"},
      {30, "services.pihole.environment.WEBPASSWORD"},
      {32, "services.pihole.environment.REV_SERVER_TARGET"},
      {33, "services.pihole.environment.REV_SERVER_DOMAIN"},
      {34, "services.pihole.environment.REV_SERVER_CIDR"},
      {35, "services.pihole.environment.ServerIP"},
      {36, "services.pihole.environment.ServerIPv6"},
      {43, "services.pihole.cap_add"},
      {45, "services.pihole.depends_on"},
      {48, "services.pihole.networks"},
      {52, "networks.dns-net"}}},
    {"awesome-compose-prometheus-grafana.yaml",
     {"prometheus", "grafana"},
     {{4, "services.prometheus.container_name"},
      {9, "services.prometheus.restart"},
      {11, "services.prometheus.volumes[0]"},
      {15, "services.grafana.container_name"},
      {18, "services.grafana.restart"},
      {23, "services.grafana.volumes[0]"}}},
    {"awesome-compose-react-express-mysql.yaml",
     {"db"},
     {{3, "services.backend.build"},
      {3, "services.backend"},
      {19, "services.backend.secrets"},
      {22, "services.backend.volumes[0]"},
      {23, "services.backend.volumes[1]"},
      {24, "services.backend.volumes[2]"},
      {26, "services.backend.networks"},
      {29, "services.backend.depends_on"},
      {38, "services.db.secrets"},
      {42, "services.db.networks"},
      {48, "services.frontend.build"},
      {48, "services.frontend"},
      {54, "services.frontend.volumes[0]"},
      {55, "services.frontend.volumes[1]"},
      {56, "services.frontend.networks"},
      {58, "services.frontend.depends_on"},
      {61, "networks.public"},
      {62, "networks.private"},
      {67, "secrets.db-password"}}},
    {"example-voting-app-docker-compose.yml",
     {"redis", "db"},
     {{7, "services.vote.build"},
      {7, "services.vote"},
      {10, "services.vote.depends_on"},
      {18, "services.vote.healthcheck.start_period"},
      {20, "services.vote.volumes[0]"},
      {23, "services.vote.networks"},
      {28, "services.result.build"},
      {28, "services.result"},
      {30, "services.result.entrypoint"},
      {31, "services.result.depends_on"},
      {35, "services.result.volumes[0]"},
      {38, "services.result.ports[1]"},
      {39, "services.result.networks"},
      {44, "services.worker.build"},
      {44, "services.worker"},
      {46, "services.worker.depends_on"},
      {51, "services.worker.networks"},
      {57, "services.redis.volumes[0]"},
      {61, "services.redis.networks"},
      {71, "services.db.volumes[1]"},
      {75, "services.db.networks"},
      {82, "services.seed.build"},
      {82, "services.seed"},
      {83, "services.seed.profiles"},
      {84, "services.seed.depends_on"},
      {87, "services.seed.networks"},
      {95, "networks.front-tier"},
      {96, "networks.back-tier"}}},
    {"example-voting-app-docker-stack.yml",
     {"redis", "db", "vote", "result", "worker"},
     {{5, "version"},
      {11, "services.redis.networks"},
      {21, "services.db.networks"},
      {28, "services.vote.networks"},
      {37, "services.result.networks"},
      {42, "services.worker.networks"},
      {49, "networks.frontend"},
      {50, "networks.backend"}}},
    {"swarmprom-docker-compose.yml",
     {"dockerd-exporter", "cadvisor", "grafana", "alertmanager", "unsee", "node-exporter", "prometheus", "caddy"},
     {{1, "version"},
      {4, "networks.net"},
      {14, "configs.caddy_config"},
      {16, "configs.dockerd_config"},
      {18, "configs.node_rules"},
      {20, "configs.task_rules"},
      {26, "services.dockerd-exporter.networks"},
      {30, "services.dockerd-exporter.configs"},
      {36, "services.dockerd-exporter.deploy.resources.reservations"},
      {43, "services.cadvisor.networks"},
      {55, "services.cadvisor.deploy.resources.reservations"},
      {62, "services.grafana.networks"},
      {65, "services.grafana.environment.GF_SECURITY_ADMIN_USER"},
      {66, "services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD"},
      {82, "services.grafana.deploy.placement.constraints"},
      {84, "services.grafana.deploy.resources.reservations"},
      {91, "services.alertmanager.networks"},
      {94, "services.alertmanager.environment.SLACK_URL"},
      {95, "services.alertmanager.environment.SLACK_CHANNEL"},
      {96, "services.alertmanager.environment.SLACK_USER"},
      {107, "services.alertmanager.deploy.placement.constraints"},
      {109, "services.alertmanager.deploy.resources.reservations"},
      {116, "services.unsee.networks"},
      {126, "services.node-exporter.networks"},
      {129, "services.node-exporter.environment.NODE_ID"},
      {144, "services.node-exporter.deploy.resources.reservations"},
      {151, "services.prometheus.networks"},
      {154, "services.prometheus.command"},
      {159, "services.prometheus.configs"},
      {169, "services.prometheus.deploy.placement.constraints"},
      {171, "services.prometheus.deploy.resources.reservations"},
      {183, "services.caddy.networks"},
      {186, "services.caddy.environment.ADMIN_USER"},
      {187, "services.caddy.environment.ADMIN_PASSWORD"},
      {188, "services.caddy.configs"},
      {196, "services.caddy.deploy.placement.constraints"},
      {198, "services.caddy.deploy.resources.reservations"}}},
  };
  for (const Expected& e : files) {
    INFO(e.file);
    Converted c;
    convert_file(e.file, c);
    std::vector<std::string> names;
    for (const auto& s : c.services) names.push_back(s.name);
    CHECK(names == e.services);
    std::vector<std::pair<int, std::string>> warnings;
    for (const auto& w : c.warnings) warnings.emplace_back(w.line, w.key);
    CHECK(warnings == e.warnings);
  }
}

TEST_CASE("what the real files become") {
  Converted c;
  auto stack = convert_file("example-voting-app-docker-stack.yml", c);
  CHECK(stack.at("vote").replicas == 2);
  REQUIRE(stack.at("vote").ports.size() == 1);
  CHECK(stack.at("vote").ports[0].host == 8080);
  CHECK(stack.at("vote").ports[0].container == 80);
  CHECK(stack.at("db").volumes[0].to_string() == "db-data:/var/lib/postgresql/data");
  CHECK(stack.at("db").env.at("POSTGRES_USER") == "postgres");

  auto prom = convert_file("swarmprom-docker-compose.yml", c);
  CHECK(prom.at("cadvisor").placement.mode == shoal::config::Placement::Mode::global);
  CHECK(prom.at("cadvisor").resources.memory_mib == 128);
  CHECK(prom.at("prometheus").resources.memory_mib == 2048);
  CHECK(prom.at("prometheus").command.back() == "--storage.tsdb.retention=24h");
  CHECK(prom.at("node-exporter").command[3] ==
        "--collector.filesystem.ignored-mount-points=^/(sys|proc|dev|host|etc)($|/)");
  CHECK(prom.at("caddy").health.exec == std::vector<std::string>{"curl", "-f",
                                                                 "http://localhost:3000"});
  CHECK(prom.at("caddy").health.timeout == 1000);
  CHECK(prom.at("caddy").ports.size() == 4);

  auto flask = convert_file("awesome-compose-nginx-flask-mysql.yaml", c);
  CHECK(flask.at("db").health.exec.at(2) ==
        "mysqladmin ping -h 127.0.0.1 --password=\"$(cat /run/secrets/db-password)\" --silent");
  CHECK(flask.at("db").restart.condition == shoal::config::RestartPolicy::Condition::any);
  CHECK(flask.at("db").health.interval == 3000);

  auto elk = convert_file("awesome-compose-elasticsearch-logstash-kibana.yaml", c);
  CHECK(elk.at("logstash").command ==
        std::vector<std::string>{"logstash", "-f",
                                 "/usr/share/logstash/pipeline/logstash-nginx.config"});
  CHECK(elk.at("elasticsearch").env ==
        std::map<std::string, std::string>{{"ES_JAVA_OPTS", "-Xms512m -Xmx512m"}});
}
