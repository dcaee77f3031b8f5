// JSON views of config for `shoal check --json`: normalised units in suffixed keys.
#include <catch2/catch.hpp>

#include "config/parse.hpp"
#include "node/config_json.hpp"

using namespace shoal;
using node::ConfigJson;

namespace {

ConfigJson service_json(const std::string& text) {
  auto r = config::parse_service_file(text, "s.toml");
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  return node::to_json(*r.value);
}

ConfigJson peer_json(const std::string& text) {
  auto r = config::parse_peer_file(text, "p.toml");
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  return node::to_json(*r.value);
}

}  // namespace

TEST_CASE("service JSON: keyed by name, units normalised", "[node][json]") {
  const ConfigJson j = service_json(R"(
[service.web]
image    = "nginx:1.27"
command  = ["nginx", "-g", "daemon off;"]
replicas = 3
ports    = { http = 8080, admin = { container = 9000, host = 19000 } }
env      = { MODE = "prod" }
resources = { cpu = 0.5, memory = "1GiB" }
restart   = { condition = "on-failure", delay = "2s", max_delay = "1m30s", max_attempts = 4 }
health    = { http = "/healthz", port = "http", interval = "5s", timeout = "500ms", retries = 2 }
placement = { constraints = ["zone != eu-3", "label.ssd in [true, yes]"], spread = "zone", max_per_peer = 1, home = true }
stop_grace = "1m"

[service.api]
command = ["api"]
)");
  REQUIRE(j.is_object());
  REQUIRE(j.size() == 2);
  REQUIRE(j.contains("web"));
  REQUIRE(j.contains("api"));
  const ConfigJson& w = j["web"];
  CHECK(w["image"] == "nginx:1.27");
  CHECK(w["command"] == ConfigJson::array({"nginx", "-g", "daemon off;"}));
  CHECK(w["replicas"] == 3);
  CHECK(w["ports"]["http"]["container"] == 8080);
  CHECK(w["ports"]["http"]["host"].is_null());
  CHECK(w["ports"]["admin"]["container"] == 9000);
  CHECK(w["ports"]["admin"]["host"] == 19000);
  CHECK(w["env"]["MODE"] == "prod");
  CHECK(w["resources"]["cpu_milli"] == 500);
  CHECK(w["resources"]["memory_mib"] == 1024);
  CHECK(w["restart"]["condition"] == "on-failure");
  CHECK(w["restart"]["delay_ms"] == 2000);
  CHECK(w["restart"]["max_delay_ms"] == 90000);
  CHECK(w["restart"]["max_attempts"] == 4);
  CHECK(w["health"]["kind"] == "http");
  CHECK(w["health"]["http"] == "/healthz");
  CHECK(w["health"]["port"] == "http");
  CHECK(w["health"]["interval_ms"] == 5000);
  CHECK(w["health"]["timeout_ms"] == 500);
  CHECK(w["health"]["retries"] == 2);
  CHECK(w["placement"]["constraints"] ==
        ConfigJson::array({"zone != eu-3", "label.ssd in [true, yes]"}));
  CHECK(w["placement"]["spread"] == "zone");
  CHECK(w["placement"]["max_per_peer"] == 1);
  CHECK(w["placement"]["home"] == true);
  CHECK(w["stop_grace_ms"] == 60000);
  const ConfigJson& a = j["api"];
  CHECK(a["image"].is_null());
  CHECK(a["health"].is_null());
  CHECK(a["replicas"] == 1);
  CHECK(a["stop_grace_ms"] == 10000);
  CHECK(a["placement"]["spread"] == "auto");  // the default
  CHECK(a["mode"] == "replicated");
}

TEST_CASE("service JSON: tcp and exec health", "[node][json]") {
  const ConfigJson t = service_json(
      "[service.db]\nimage = \"pg\"\nports = { pg = 5432 }\nhealth = { tcp = \"pg\" }\n");
  CHECK(t["db"]["health"]["kind"] == "tcp");
  CHECK(t["db"]["health"]["tcp"] == "pg");
  CHECK(t["db"]["health"]["interval_ms"] == 5000);
  const ConfigJson e =
      service_json("[service.db]\nimage = \"pg\"\nhealth = { exec = [\"pg_isready\"] }\n");
  CHECK(e["db"]["health"]["kind"] == "exec");
  CHECK(e["db"]["health"]["exec"] == ConfigJson::array({"pg_isready"}));
}

TEST_CASE("peer JSON: auto stays a string, durations in _ms, unset overrides are null",
          "[node][json]") {
  const ConfigJson a = peer_json("resources = { cpu = \"auto\", memory = \"auto\" }\n");
  CHECK(a["resources"]["cpu_milli"] == "auto");
  CHECK(a["resources"]["memory_mib"] == "auto");
  CHECK(a["name"].is_null());
  CHECK(a["advertise"].is_null());
  CHECK(a["bind"] == "0.0.0.0:7950");
  CHECK(a["gossip"]["profile"] == "lan");
  CHECK(a["gossip"]["probe_interval_ms"].is_null());
  CHECK(a["dns"]["listen"].is_null());
  CHECK(a["dns"]["domain"] == "shoal");
  CHECK(a["dns"]["ttl_ms"] == 5000);
  CHECK(a["dns"]["enabled"] == true);

  const ConfigJson p = peer_json(R"(
name = "host-a"
advertise = "[::1]:7950"
join = ["10.0.0.4:7950"]
zone = "eu-1"
labels = { ssd = true }
resources = { cpu = "2500m", memory = "8GiB" }
gossip = { profile = "fast", probe_interval = "500ms", suspicion_mult = 3, join_grace = "10s" }
api = { listen = "127.0.0.1:7951", token_file = "/t" }
runtime = { driver = "docker", orphan_timeout = "90s" }
reconcile = { solo_after = "30s", max_starts_per_second = 5, handoff_timeout = "1m" }
security = { keyring = "/k", label = "prod" }
dns = { listen = "127.0.0.1:7953" }
)");
  CHECK(p["name"] == "host-a");
  CHECK(p["advertise"] == "[::1]:7950");
  CHECK(p["join"] == ConfigJson::array({"10.0.0.4:7950"}));
  CHECK(p["zone"] == "eu-1");
  CHECK(p["labels"]["ssd"] == "true");
  CHECK(p["resources"]["cpu_milli"] == 2500);
  CHECK(p["resources"]["memory_mib"] == 8192);
  CHECK(p["gossip"]["profile"] == "fast");
  CHECK(p["gossip"]["probe_interval_ms"] == 500);
  CHECK(p["gossip"]["suspicion_mult"] == 3);
  CHECK(p["gossip"]["join_grace_ms"] == 10000);
  CHECK(p["api"]["listen"] == "127.0.0.1:7951");
  CHECK(p["api"]["token_file"] == "/t");
  CHECK(p["api"]["socket"] == "/var/lib/shoal/api.sock");  // default: data_dir/api.sock
  CHECK(p["api"]["socket_group"] == "");
  CHECK(p["runtime"]["driver"] == "docker");
  CHECK(p["runtime"]["orphan_timeout_ms"] == 90000);
  CHECK(p["reconcile"]["solo_after_ms"] == 30000);
  CHECK(p["reconcile"]["max_starts_per_second"] == 5);
  CHECK(p["reconcile"]["handoff_timeout_ms"] == 60000);
  CHECK(p["security"]["keyring"] == "/k");
  CHECK(p["security"]["label"] == "prod");
  CHECK(p["dns"]["listen"] == "127.0.0.1:7953");
}

TEST_CASE("JSON keys carry units only in their suffix", "[node][json]") {
  // Every integer under a key naming a duration ends in _ms; no raw duration keys remain.
  const ConfigJson p = peer_json("");
  for (const char* raw : {"orphan_timeout", "solo_after", "handoff_timeout"}) {
    CHECK_FALSE(p["runtime"].contains(raw));
    CHECK_FALSE(p["reconcile"].contains(raw));
  }
  for (const auto& [key, value] : p["gossip"].items()) {
    INFO(key);
    const bool is_count = key == "profile" || key == "indirect_checks" ||
                          key == "suspicion_mult" || key == "suspicion_max_mult" ||
                          key == "gossip_nodes" || key == "retransmit_mult" ||
                          key == "tree_broadcast" || key == "tree_min_members";
    CHECK((is_count || key.size() > 3));
    if (!is_count) CHECK(key.substr(key.size() - 3) == "_ms");
  }
}
