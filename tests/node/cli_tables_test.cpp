// Human tables of `shoal ps` and `shoal services`.
#include <catch2/catch.hpp>

#include "node/cli_client.hpp"
#include "node/limits_status.hpp"

using namespace shoal;
using Json = nlohmann::json;

TEST_CASE("ps table: one row per instance, unplaced shows peer -", "[node][cli]") {
  Json ps = Json::parse(R"([
    {"service":"web","index":0,"peer":"a","address":"127.0.0.11","state":"running","host_ports":{"http":41000}},
    {"service":"web","index":1,"peer":null,"address":null,"state":"unplaced","host_ports":{}}])");
  const std::string t = node::ps_table(ps);
  CHECK(t.rfind("SERVICE  INDEX  PEER  ADDRESS     STATE     PORTS", 0) == 0);
  CHECK(t.find("web      0      a     127.0.0.11  running   http=41000") != std::string::npos);
  CHECK(t.find("web      1      -     -           unplaced  -") != std::string::npos);
}

TEST_CASE("endpoints table: service, index, peer, address, ports, state", "[node][cli]") {
  Json e = Json::parse(R"([
    {"service":"web","index":0,"peer":"p1","address":"127.0.0.12","ports":{"http":31001,"admin":31002},"state":"healthy"},
    {"service":"web","index":1,"peer":"p2","address":"127.0.0.13","ports":{},"state":"starting"}])");
  const std::string t = node::endpoints_table(e);
  CHECK(t.rfind("SERVICE  INDEX  PEER  ADDRESS     PORTS                   STATE", 0) == 0);
  CHECK(t.find("web      0      p1    127.0.0.12  admin=31002,http=31001  healthy") != std::string::npos);
  CHECK(t.find("web      1      p2    127.0.0.13  -                       starting") != std::string::npos);
  CHECK(node::endpoints_table(Json::array()) == "SERVICE  INDEX  PEER  ADDRESS  PORTS  STATE\n");
}

TEST_CASE("services table: name, replicas, running, healthy, version", "[node][cli]") {
  Json s = Json::parse(
      R"([{"name":"web","replicas":3,"running":2,"healthy":2,"version":"00112233aabbccdd"}])");
  const std::string t = node::services_table(s);
  CHECK(t.rfind("NAME  REPLICAS  RUNNING  HEALTHY  VERSION", 0) == 0);
  CHECK(t.find("web   3         2        2        00112233aabbccdd") != std::string::npos);
  CHECK(t.find("DEPLOYMENT") == std::string::npos);  // no service has an update policy
}

TEST_CASE("services table: a DEPLOYMENT column once a service has an update policy", "[node][cli]") {
  Json s = Json::parse(
      R"([{"name":"api","replicas":1,"running":1,"healthy":1,"version":"aa","deployment":null},
          {"name":"web","replicas":3,"running":2,"healthy":2,"version":"bb","deployment":"failed"}])");
  const std::string t = node::services_table(s);
  CHECK(t.rfind("NAME  REPLICAS  RUNNING  HEALTHY  VERSION  DEPLOYMENT", 0) == 0);
  CHECK(t.find("api   1         1        1        aa       -") != std::string::npos);
  CHECK(t.find("web   3         2        2        bb       failed") != std::string::npos);
}

TEST_CASE("status text: refused specs, one line each", "[node][cli]") {
  Json s = Json::parse(R"({"name":"p0","invalid_specs":[
    {"service":"bomb","origin":"p1","error":"replicas must be from 0 to 10000, not 2147483647"},
    {"service":"web","origin":null,"error":"placement failed: std::bad_alloc"}]})");
  const std::string t = node::status_text(s);
  CHECK(t.find("refused:    spec bomb from p1: replicas must be from 0 to 10000, not "
               "2147483647\n") != std::string::npos);
  CHECK(t.find("refused:    spec web: placement failed: std::bad_alloc\n") != std::string::npos);
}

TEST_CASE("status text: a clock ahead and entries refused for skew are shown", "[node][cli]") {
  Json s = Json::parse(R"({"name":"p0","clock_ahead_ms":3600000,
    "clock_warning":"this peer's clock runs 3600000 ms ahead of its wall clock",
    "stats":{"state":{"refused_skew":4,"refused_expired":0}}})");
  const std::string t = node::status_text(s);
  CHECK(t.find("warning:    this peer's clock runs 3600000 ms ahead of its wall clock\n") !=
        std::string::npos);
  CHECK(t.find("refused:    4 remote entries for clock skew") != std::string::npos);
  Json quiet = Json::parse(R"({"name":"p0","clock_ahead_ms":0,"clock_warning":null,
    "stats":{"state":{"refused_skew":0}}})");
  CHECK(node::status_text(quiet).find("warning:") == std::string::npos);
  CHECK(node::status_text(quiet).find("clock skew") == std::string::npos);
}

TEST_CASE("status text: a starved peer says so, with how long it waits for a CPU", "[node][cli]") {
  Json s = Json::parse(R"({"name":"p0","starved":true,"cpu_wait":0.8})");
  CHECK(node::status_text(s).find("\nstarved:    yes, waiting for a CPU 80% of the time: its "
                                  "instances go to peers that take work\n") != std::string::npos);
  s["cpu_wait"] = 1e300;
  CHECK(node::status_text(s).find("waiting for a CPU 100% of the time") != std::string::npos);
  s["cpu_wait"] = "hostile";
  CHECK(node::status_text(s).find("waiting for a CPU - of the time") != std::string::npos);
  s["starved"] = false;
  CHECK(node::status_text(s).find("starved:") == std::string::npos);
  // A field of another type (a hostile or newer peer's answer) shows nothing, and throws nothing.
  const auto odd = node::status_text(Json::parse(R"({"name":"p0","starved":"yes","draining":1})"));
  CHECK(odd.find("starved") == std::string::npos);
  CHECK(odd.find("draining") == std::string::npos);
}

TEST_CASE("apply text: the peer's warning follows the applied line", "[node][cli]") {
  Json ok = Json::parse(R"({"peer":"p0","file":"/s/web.toml","services":["web","db"]})");
  CHECK(node::apply_text(ok) == "applied web, db (/s/web.toml on p0)\n");
  ok["warning"] = "this peer's clock runs 3600000 ms ahead of its wall clock";
  CHECK(node::apply_text(ok) ==
        "applied web, db (/s/web.toml on p0)\n"
        "warning: this peer's clock runs 3600000 ms ahead of its wall clock\n");
}

// How the process driver's resource limits are shown: /v1/status runtime.limits, the line of
// `shoal status`, and the warning the agent logs at start when they are not enforced.
TEST_CASE("limits status: the mode, and the reason when none", "[node][cli]") {
  runtime::CgroupSetup v1;
  v1.mode = "cgroup1";
  CHECK(node::limits_json(v1) == Json{{"mode", "cgroup1"}});
  CHECK(node::limits_warning(v1).empty());
  runtime::CgroupSetup none;
  none.why = "cgroup2: no cgroup2 filesystem is mounted; cgroup1: no cgroup v1 cpu hierarchy is mounted";
  CHECK(node::limits_json(none) == Json{{"mode", "none"}, {"error", none.why}});
  CHECK(node::limits_warning(none) ==
        "resources (cpu, memory) of process instances are not enforced on this host: " + none.why);

  Json s{{"name", "p0"}, {"runtime", {{"driver", "process"}, {"available", true}}}};
  CHECK(node::status_text(s).find("limits:") == std::string::npos);  // docker, or older peers
  s["runtime"]["limits"] = node::limits_json(v1);
  CHECK(node::status_text(s).find("\nlimits:     cgroup1\n") != std::string::npos);
  s["runtime"]["limits"] = node::limits_json(none);
  CHECK(node::status_text(s).find("\nlimits:     none: resources not enforced (" + none.why +
                                  ")\n") != std::string::npos);
}

TEST_CASE("services table and status text: a reverted service names both versions", "[node][cli]") {
  Json s = Json::parse(
      R"([{"name":"web","replicas":3,"running":3,"healthy":3,"version":"aa","deployment":"reverted",
           "reverted_from":"bb"}])");
  CHECK(node::services_table(s).find("web   3         3        3        aa       reverted from bb") !=
        std::string::npos);
  const std::string t =
      node::status_text(Json::parse(R"({"name":"p0","reverted":[{"service":"web","from":"bb","to":"aa"}]})"));
  CHECK(t.find("reverted:   service web runs aa again: version bb failed") != std::string::npos);
}

TEST_CASE("services table and status text: a deployment waiting with its canaries", "[node][cli]") {
  Json s = Json::parse(
      R"([{"name":"web","replicas":3,"running":3,"healthy":3,"version":"aa","deployment":"awaiting_promotion",
           "reverted_from":null,"canaries":1}])");
  CHECK(node::services_table(s).find("web   3         3        3        aa       awaiting_promotion (1 canary)") !=
        std::string::npos);
  const std::string t = node::status_text(
      Json::parse(R"({"name":"p0","awaiting_promotion":[{"service":"web","version":"aa","canaries":1}]})"));
  CHECK(t.find("canaries:   service web waits for promotion: version aa runs on 1 canary "
               "(`shoal promote web` rolls it on, `shoal revert web` goes back)\n") != std::string::npos);
}
