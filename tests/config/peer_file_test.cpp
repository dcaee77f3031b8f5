// Valid peer files: every key of DESIGN.md "Peer file" parses to the expected value.
#include <catch2/catch.hpp>

#include "config/parse.hpp"

using namespace shoal::config;

namespace {

PeerConfig peer(const std::string& text) {
  auto r = parse_peer_file(text, "p.toml");
  for (const auto& e : r.errors) UNSCOPED_INFO(e.to_string());
  REQUIRE(r.ok());
  return *r.value;
}

}  // namespace

TEST_CASE("peer file: every key round-trips into PeerConfig", "[config][peer]") {
  const PeerConfig p = peer(R"(
name = "host-a"
bind = "0.0.0.0:7950"
advertise = "10.0.0.5:7950"
join = ["10.0.0.4:7950", "[fd00::4]:7950"]
zone = "eu-1"
labels = { ssd = "true", rack = 7, gpu = false }
data_dir = "/var/lib/shoal-a"
services_dir = "/etc/shoal/a"
resources = { cpu = "1500m", memory = "4GiB" }
gossip = { profile = "wan", probe_interval = "2s", probe_timeout = "800ms", gossip_interval = "300ms", push_pull_interval = "1m", reconnect_timeout = "24h", tombstone_ttl = "168h", max_clock_skew = "10s", join_grace = "0s", indirect_checks = 0, suspicion_mult = 5, suspicion_max_mult = 7, gossip_nodes = 4, retransmit_mult = 3, tree_broadcast = false, tree_min_members = 50 }
api = { listen = "127.0.0.1:8951", token_file = "/etc/shoal/token", socket = "/run/shoal/api.sock", socket_group = "shoal" }
runtime = { driver = "docker", socket = "/run/podman/podman.sock", orphan_timeout = "2m" }
reconcile = { solo_after = "5s", max_starts_per_second = 10, handoff_timeout = "30s" }
security = { keyring = "/etc/shoal/keyring", label = "prod" }
dns = { listen = "127.0.0.1:7953", domain = "cluster", ttl = "30s", enabled = true }
)");
  PeerConfig want;
  want.name = "host-a";
  want.bind = Address{"0.0.0.0", 7950};
  want.advertise = Address{"10.0.0.5", 7950};
  want.join = {Address{"10.0.0.4", 7950}, Address{"fd00::4", 7950}};
  want.zone = "eu-1";
  want.labels = {{"gpu", "false"}, {"rack", "7"}, {"ssd", "true"}};
  want.data_dir = "/var/lib/shoal-a";
  want.services_dir = "/etc/shoal/a";
  want.cpu_milli = 1500;
  want.memory_mib = 4096;
  want.gossip.profile = "wan";
  want.gossip.probe_interval = 2000;
  want.gossip.probe_timeout = 800;
  want.gossip.gossip_interval = 300;
  want.gossip.push_pull_interval = 60000;
  want.gossip.reconnect_timeout = 86400000;
  want.gossip.tombstone_ttl = 604800000;
  want.gossip.max_clock_skew = 10000;
  want.gossip.join_grace = 0;
  want.gossip.indirect_checks = 0;
  want.gossip.suspicion_mult = 5;
  want.gossip.suspicion_max_mult = 7;
  want.gossip.gossip_nodes = 4;
  want.gossip.retransmit_mult = 3;
  want.gossip.tree_broadcast = false;
  want.gossip.tree_min_members = 50;
  want.api.listen = Address{"127.0.0.1", 8951};
  want.api.token_file = "/etc/shoal/token";
  want.api.socket = "/run/shoal/api.sock";
  want.api.socket_group = "shoal";
  want.runtime.driver = "docker";
  want.runtime.socket = "/run/podman/podman.sock";
  want.runtime.orphan_timeout = 120000;
  want.reconcile.solo_after = 5000;
  want.reconcile.max_starts_per_second = 10;
  want.reconcile.handoff_timeout = 30000;
  want.security.keyring = "/etc/shoal/keyring";
  want.security.label = "prod";
  want.dns.listen = Address{"127.0.0.1", 7953};
  want.dns.domain = "cluster";
  want.dns.ttl = 30000;
  CHECK(p.name == want.name);
  CHECK(p.bind == want.bind);
  CHECK(p.advertise == want.advertise);
  CHECK(p.join == want.join);
  CHECK(p.labels == want.labels);
  CHECK(p.cpu_milli == want.cpu_milli);
  CHECK(p.memory_mib == want.memory_mib);
  CHECK(p.gossip == want.gossip);
  CHECK(p.api == want.api);
  CHECK(p.runtime == want.runtime);
  CHECK(p.reconcile == want.reconcile);
  CHECK(p.security == want.security);
  CHECK(p.dns == want.dns);
  CHECK(p == want);
}

TEST_CASE("peer file: an empty file is all defaults", "[config][peer]") {
  const PeerConfig p = peer("");
  const PeerConfig defaults;
  CHECK(p == defaults);
  CHECK(p.bind.to_string() == "0.0.0.0:7950");
  CHECK(p.api.listen.to_string() == "127.0.0.1:7951");
  CHECK_FALSE(p.cpu_milli.has_value());
  CHECK_FALSE(p.memory_mib.has_value());
  CHECK(p.gossip.profile == "lan");
  CHECK_FALSE(p.gossip.probe_interval.has_value());
}

TEST_CASE("peer file: auto resources and cpu as cores", "[config][peer]") {
  auto a = peer("resources = { cpu = \"auto\", memory = \"auto\" }\n");
  CHECK_FALSE(a.cpu_milli.has_value());
  CHECK_FALSE(a.memory_mib.has_value());
  auto b = peer("resources = { cpu = 4, memory = 2147483648 }\n");
  CHECK(b.cpu_milli == 4000);
  CHECK(b.memory_mib == 2048);
  auto c = peer("resources = { cpu = 0.5 }\n");
  CHECK(c.cpu_milli == 500);
  CHECK_FALSE(c.memory_mib.has_value());
}

TEST_CASE("peer file: each gossip profile", "[config][peer]") {
  for (const char* profile : {"lan", "wan", "local", "fast"}) {
    auto p = peer(std::string("gossip = { profile = \"") + profile + "\" }\n");
    CHECK(p.gossip.profile == profile);
  }
}

TEST_CASE("peer file: runtime.registry_auth is an absolute path, empty by default", "[config][peer]") {
  CHECK(peer("").runtime.registry_auth.empty());
  CHECK(peer("runtime = { driver = \"docker\", registry_auth = \"/etc/shoal/registry.json\" }")
            .runtime.registry_auth == "/etc/shoal/registry.json");
  auto bad = parse_peer_file("runtime = { registry_auth = \"registry.json\" }", "p.toml");
  REQUIRE(bad.errors.size() == 1);
  CHECK(bad.errors[0].to_string() ==
        "p.toml:1:29: runtime.registry_auth must be an absolute path (like /etc/shoal/registry.json)");
  auto typed = parse_peer_file("runtime = { registry_auth = 1 }", "p.toml");
  REQUIRE(typed.errors.size() == 1);
  CHECK(typed.errors[0].to_string().find("runtime.registry_auth must be a string") !=
        std::string::npos);
}

TEST_CASE("peer file: runtime.bind_roots is a list of absolute paths, empty by default",
          "[config][peer]") {
  CHECK(peer("").runtime.bind_roots.empty());
  CHECK(peer("runtime = { driver = \"docker\", bind_roots = [\"/srv/shoal\", \"/data\"] }")
            .runtime.bind_roots == std::vector<std::string>{"/srv/shoal", "/data"});
  auto relative = parse_peer_file("runtime = { bind_roots = [\"/ok\", \"srv\"] }", "p.toml");
  REQUIRE(relative.errors.size() == 1);
  CHECK(relative.errors[0].to_string().find("runtime.bind_roots[1]: must be an absolute path") !=
        std::string::npos);
  auto dotdot = parse_peer_file("runtime = { bind_roots = [\"/srv/../etc\"] }", "p.toml");
  REQUIRE(dotdot.errors.size() == 1);
  CHECK(dotdot.errors[0].to_string().find("`..`") != std::string::npos);
  auto scalar = parse_peer_file("runtime = { bind_roots = \"/srv\" }", "p.toml");
  REQUIRE(scalar.errors.size() == 1);
  CHECK(scalar.errors[0].to_string().find("must be an array of absolute paths") !=
        std::string::npos);
}

TEST_CASE("peer file: runtime.log_retention is a duration, 24 h by default", "[config][peer]") {
  CHECK(peer("").runtime.log_retention == 24 * 3600 * 1000);
  CHECK(peer("runtime = { log_retention = \"2h30m\" }").runtime.log_retention == 9000000);
  auto zero = parse_peer_file("runtime = { log_retention = \"0s\" }", "p.toml");
  REQUIRE(zero.errors.size() == 1);
  CHECK(zero.errors[0].to_string().find("runtime.log_retention") != std::string::npos);
  auto typed = parse_peer_file("runtime = { log_retention = 5 }", "p.toml");
  REQUIRE(typed.errors.size() == 1);
}
