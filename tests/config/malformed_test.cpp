// Table-driven: each malformed input with its exact diagnostics (path:line:col: message),
// in order. Files whose top level has a `service` table go through parse_service_file, the
// rest through parse_peer_file, as `shoal check` does.
#include <catch2/catch.hpp>

#include <string>

#include "config/parse.hpp"

using namespace shoal::config;

namespace {

struct Case {
  const char* text;
  const char* expected;  // diagnostics joined by '\n'
};

const Case kCases[] = {
    {"[service.web]\nimage = \"x\"\nreplicas = -1",
     "f.toml:3:12: replicas must be >= 0"},
    {"[service.web]\nimage = \"x\"\nreplcas = 3",
     "f.toml:3:1: unknown key `replcas` in service.web (did you mean `replicas`?)"},
    {"[service.web]\nimgae = \"x\"",
     "f.toml:1:1: service `web` needs an image or a command\nf.toml:2:1: unknown key `imgae` in service.web (did you mean `image`?)"},
    {"[service.web]\nimage = \"x\"\nreplicas = \"3\"",
     "f.toml:3:12: replicas must be an integer, not a string"},
    {"[service.web]\nreplicas = 3",
     "f.toml:1:1: service `web` needs an image or a command"},
    {"[service.Web]\nimage = \"x\"\nreplicas = -2",
     "f.toml:1:10: service name may only contain a-z, 0-9 and '-': `Web`\nf.toml:3:12: replicas must be >= 0"},
    {"[service.Web]\nimage = \"x\"",
     "f.toml:1:10: service name may only contain a-z, 0-9 and '-': `Web`"},
    {"[service.-web]\nimage = \"x\"",
     "f.toml:1:10: service name must not start or end with '-': `-web`"},
    {"[service.web]\nimage = \"x\"\nstop_grace = 10",
     "f.toml:3:14: stop_grace must be a duration with a unit, like \"5s\" or \"500ms\""},
    {"[service.web]\nimage = \"x\"\nstop_grace = \"10x\"",
     "f.toml:3:14: stop_grace: invalid duration \"10x\": unknown unit \"x\" (use ms, s, m or h)"},
    {"[service.web]\nimage = \"x\"\nstop_grace = \"1s1m\"",
     "f.toml:3:14: stop_grace: invalid duration \"1s1m\": units must go from largest to smallest, each once"},
    {"[service.web]\nimage = \"x\"\nstop_grace = \"1.5ms\"",
     "f.toml:3:14: stop_grace: invalid duration \"1.5ms\": not a whole number of milliseconds"},
    {"[service.web]\nimage = \"x\"\nresources = { cpu = -1 }",
     "f.toml:3:21: resources.cpu must be from 0 to 1000000 cores"},
    {"[service.web]\nimage = \"x\"\nresources = { cpu = \"auto\" }",
     "f.toml:3:21: resources.cpu cannot be \"auto\" in a service (give cores or \"500m\")"},
    {"[service.web]\nimage = \"x\"\nresources = { cpu = \"0.5\" }",
     "f.toml:3:21: resources.cpu: invalid cpu \"0.5\": expected cores (0.5) or millicores (\"500m\")"},
    {"[service.web]\nimage = \"x\"\nresources = { memory = \"1GB\" }",
     "f.toml:3:24: resources.memory: invalid size \"1GB\": unit \"GB\" is ambiguous; use \"GiB\""},
    {"[service.web]\nimage = \"x\"\nresources = { memory = \"12\" }",
     "f.toml:3:24: resources.memory: invalid size \"12\": missing unit (use B, KiB, MiB, GiB or TiB)"},
    {"[service.web]\nimage = \"x\"\nresources = { memroy = \"1GiB\" }",
     "f.toml:3:15: unknown key `memroy` in resources (did you mean `memory`?)"},
    {"[service.web]\nimage = \"x\"\nports = { http = 0 }",
     "f.toml:3:18: ports.http must be from 1 to 65535"},
    {"[service.web]\nimage = \"x\"\nports = { http = 70000 }",
     "f.toml:3:18: ports.http must be from 1 to 65535"},
    {"[service.web]\nimage = \"x\"\nports = { HTTP = 80 }",
     "f.toml:3:11: port name `HTTP` may only contain a-z, 0-9, '_' and '-'"},
    {"[service.web]\nimage = \"x\"\nports = { http = { host = 8080 } }",
     "f.toml:3:18: ports.http needs `container` (the port the instance listens on)"},
    {"[service.web]\nimage = \"x\"\nports = { a = { container = 80, host = 8080 }, b = { container = 81, host = 8080 } }",
     "f.toml:3:77: ports.b.host: host port 8080 is already used by ports.a"},
    {"[service.web]\nimage = \"x\"\nports = { http = \"80\" }",
     "f.toml:3:18: ports.http must be a port number or { container = N, host = M }"},
    {"[service.web]\nimage = \"x\"\nenv = { MODE = 1.5 }",
     "f.toml:3:16: env.MODE must be a string, integer or boolean, not a float"},
    {"[service.web]\nimage = \"x\"\nenv = { 1MODE = \"a\" }",
     "f.toml:3:9: env: `1MODE` is not a valid variable name (letters, digits and '_', not starting with a digit)"},
    {"[service.web]\nimage = \"x\"\nrestart = { condition = \"always\" }",
     "f.toml:3:25: restart.condition must be \"any\", \"on-failure\" or \"none\", not \"always\""},
    {"[service.web]\nimage = \"x\"\nrestart = { delay = \"10s\", max_delay = \"5s\" }",
     "f.toml:3:40: restart.max_delay (5s) must be >= restart.delay (10s)"},
    {"[service.web]\nimage = \"x\"\nrestart = { max_attempts = -1 }",
     "f.toml:3:28: restart.max_attempts must be >= 0"},
    {"[service.web]\nimage = \"x\"\nhealth = { interval = \"5s\" }",
     "f.toml:3:10: health needs one of http, tcp or exec"},
    {"[service.web]\nimage = \"x\"\nports = { http = 80 }\nhealth = { http = \"/\", tcp = \"http\" }",
     "f.toml:4:19: health.http needs `port`, the name of one of the service's ports\nf.toml:4:30: health takes only one of http, tcp or exec"},
    {"[service.web]\nimage = \"x\"\nports = { http = 80 }\nhealth = { http = \"healthz\", port = \"http\" }",
     "f.toml:4:19: health.http must be a path starting with '/'"},
    {"[service.web]\nimage = \"x\"\nports = { http = 80 }\nhealth = { http = \"/healthz\" }",
     "f.toml:4:19: health.http needs `port`, the name of one of the service's ports"},
    {"[service.web]\nimage = \"x\"\nports = { http = 80 }\nhealth = { tcp = \"admin\" }",
     "f.toml:4:18: health.tcp `admin` is not a port of this service (ports: http)"},
    {"[service.web]\nimage = \"x\"\nhealth = { exec = [] }",
     "f.toml:3:19: health.exec must not be empty"},
    {"[service.web]\nimage = \"x\"\nhealth = { exec = [\"true\"], retries = 0 }",
     "f.toml:3:39: health.retries must be >= 1"},
    {"[service.web]\nimage = \"x\"\nhealth = { exec = [\"true\"], interval = \"2s\", timeout = \"2s\" }",
     "f.toml:3:56: health.timeout (2s) must be less than health.interval (2s)"},
    {"[service.web]\nimage = \"x\"\nhealth = { exec = [\"true\"], timeout = \"10s\" }",
     "f.toml:3:39: health.timeout (10s) must be less than health.interval (5s, the default)"},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = [\"zone ~= eu\"] }",
     "f.toml:3:30: placement.constraints: invalid constraint `zone ~= eu`: expected an operator (==, !=, in or not in) at \"~= eu\""},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = [\"region == eu\"] }",
     "f.toml:3:30: placement.constraints: invalid constraint `region == eu`: unknown attribute \"region\" (use name, zone or label.KEY)"},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = [\"zone in eu-1\"] }",
     "f.toml:3:30: placement.constraints: invalid constraint `zone in eu-1`: \"in\" takes a list, like [a, b]"},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = [\"zone == [a]\"] }",
     "f.toml:3:30: placement.constraints: invalid constraint `zone == [a]`: \"==\" takes one value; use \"in\" for a list"},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = ['zone == \"eu'] }",
     "f.toml:3:30: placement.constraints: invalid constraint `zone == \"eu`: missing closing \""},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = [\"zone = eu\"] }",
     "f.toml:3:30: placement.constraints: invalid constraint `zone = eu`: unknown operator \"=\" (use == to compare)"},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = [\"zone == eu extra\"] }",
     "f.toml:3:30: placement.constraints: invalid constraint `zone == eu extra`: unexpected \"extra\" after the value"},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = [\"label. == x\"] }",
     "f.toml:3:30: placement.constraints: invalid constraint `label. == x`: missing the label key (use label.KEY)"},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = [\"zone in []\"] }",
     "f.toml:3:30: placement.constraints: invalid constraint `zone in []`: empty list"},
    {"[service.web]\nimage = \"x\"\nplacement = { constraints = [3] }",
     "f.toml:3:30: placement.constraints[0] must be a string"},
    {"[service.web]\nimage = \"x\"\nplacement = { spread = \"host\" }",
     "f.toml:3:24: placement.spread must be \"auto\", \"peer\", \"zone\" or \"none\", not \"host\""},
    {"[service.web]\nimage = \"x\"\nplacement = { max_per_peer = -2 }",
     "f.toml:3:30: placement.max_per_peer must be >= 0"},
    {"[service.web]\nimage = \"x\"\nplacement = { home = \"yes\" }",
     "f.toml:3:22: placement.home must be true or false, not a string"},
    {"[service.web]\nimage = \"x\"\nhome_peer = \"a\"",
     "f.toml:3:13: home_peer is set by the peer that publishes the file; remove it (use placement.home = true)"},
    {"[service.web]\nimage = \"\"",
     "f.toml:2:9: image must not be empty"},
    {"[service.web]\ncommand = []",
     "f.toml:2:11: command must not be empty"},
    {"[service.web]\ncommand = [\"a\", 1]",
     "f.toml:2:17: command[1] must be a string, not an integer"},
    {"[service.web]\nimage = \"x\"\nreplicas = = 3",
     "f.toml:3:12: Error while parsing value: could not determine value type"},
    {"[service]",
     "f.toml:1:1: no services: add a [service.NAME] table"},
    {"[service.web]\nimage = \"x\"\n[other]\na = 1",
     "f.toml:3:2: unknown key `other`"},
    {"service = 3",
     "f.toml:1:11: service must be a table of services, like [service.web]"},
    {"name = \"host a\"",
     "f.toml:1:8: name may only contain letters, digits, '_', '-' and '.'"},
    {"bind = \"0.0.0.0\"",
     "f.toml:1:8: bind: invalid address \"0.0.0.0\": missing port (use host:port)"},
    {"bind = \"::1:7950\"",
     "f.toml:1:8: bind: invalid address \"::1:7950\": IPv6 addresses need brackets, like \"[::1]:7950\""},
    {"bind = \"[::1]:0\"",
     "f.toml:1:8: bind: invalid address \"[::1]:0\": port must be a number from 1 to 65535"},
    {"advertise = 7950",
     "f.toml:1:13: advertise must be an address string like \"10.0.0.5:7950\", not an integer"},
    {"join = [\"10.0.0.4:7950\", \"10.0.0.5\"]",
     "f.toml:1:26: join[1]: invalid address \"10.0.0.5\": missing port (use host:port)"},
    {"[servce.web]\nimage = \"x\"",
     "f.toml:1:2: unknown key `servce` (did you mean `service`?)"},
    {"labels = { \"ssd x\" = \"true\" }",
     "f.toml:1:12: labels: label key `ssd x` may only contain letters, digits, '_', '-', '.' and '/'"},
    {"labels = { ssd = 1.5 }",
     "f.toml:1:18: labels.ssd must be a string, integer or boolean, not a float"},
    {"data_dir = \"\"",
     "f.toml:1:12: data_dir must not be empty"},
    {"resources = { cpu = \"lots\" }",
     "f.toml:1:21: resources.cpu: invalid cpu \"lots\": expected cores (0.5), millicores (\"500m\") or \"auto\""},
    {"resources = { memory = -5 }",
     "f.toml:1:24: resources.memory must be >= 0 bytes"},
    {"gossip = { profile = \"slow\" }",
     "f.toml:1:22: gossip.profile must be \"lan\", \"wan\", \"local\" or \"fast\", not \"slow\""},
    {"gossip = { probe_interval = \"0s\" }",
     "f.toml:1:29: gossip.probe_interval must be > 0"},
    {"gossip = { probe_intervl = \"1s\" }",
     "f.toml:1:12: unknown key `probe_intervl` in gossip (did you mean `probe_interval`?)"},
    {"gossip = { gossip_nodes = 0 }",
     "f.toml:1:27: gossip.gossip_nodes must be >= 1"},
    {"gossip = { join_grace = 5 }",
     "f.toml:1:25: gossip.join_grace must be a duration with a unit, like \"5s\" or \"500ms\""},
    {"api = { listen = \"localhost\" }",
     "f.toml:1:18: api.listen: invalid address \"localhost\": missing port (use host:port)"},
    {"runtime = { driver = \"podman\" }",
     "f.toml:1:22: runtime.driver must be \"process\" or \"docker\", not \"podman\""},
    {"runtime = { orphan_timeout = \"0ms\" }",
     "f.toml:1:30: runtime.orphan_timeout must be > 0"},
    {"reconcile = { max_starts_per_second = 0 }",
     "f.toml:1:39: reconcile.max_starts_per_second must be >= 1"},
    {"security = { keyring = 5 }",
     "f.toml:1:24: security.keyring must be a string, not an integer"},
    {"dns = { domain = \"\" }",
     "f.toml:1:18: dns.domain must not be empty"},
    {"dns = { listen = \"[::1]\" }",
     "f.toml:1:18: dns.listen: invalid address \"[::1]\": missing port after ']' (use [host]:port)"},
    {"dns = { domain = \"a..b\" }",
     "f.toml:1:18: dns.domain: `a..b` has an empty or too long label"},
    {"dns = { domain = \"sho al\" }",
     "f.toml:1:18: dns.domain: `sho al` may only contain letters, digits, '-' and dots"},
    {"dns = { ttl = 5 }",
     "f.toml:1:15: dns.ttl must be a duration with a unit, like \"5s\" or \"500ms\""},
    {"dns = { enabled = \"no\" }",
     "f.toml:1:19: dns.enabled must be true or false, not a string"},
    {"zone = 5",
     "f.toml:1:8: zone must be a string, not an integer"},
};

std::string file_errors(const std::string& text) {
  auto errors = detect_kind(text) == FileKind::service ? parse_service_file(text, "f.toml").errors
                                                       : parse_peer_file(text, "f.toml").errors;
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "\n";
    out += e.to_string();
  }
  return out;
}

}  // namespace

TEST_CASE("malformed files: exact message and position for each", "[config][malformed]") {
  STATIC_REQUIRE(sizeof(kCases) / sizeof(kCases[0]) >= 30);
  for (const Case& c : kCases) {
    INFO("input:\n" << c.text);
    CHECK(file_errors(c.text) == c.expected);
  }
}

TEST_CASE("malformed files never yield a value", "[config][malformed]") {
  for (const Case& c : kCases) {
    INFO("input:\n" << c.text);
    if (detect_kind(c.text) == FileKind::service) {
      auto r = parse_service_file(c.text, "f.toml");
      CHECK_FALSE(r.ok());
      CHECK_FALSE(r.value.has_value());
    } else {
      auto r = parse_peer_file(c.text, "f.toml");
      CHECK_FALSE(r.ok());
      CHECK_FALSE(r.value.has_value());
    }
  }
}

TEST_CASE("all errors of a file are reported at once, sorted by position", "[config][malformed]") {
  const std::string text =
      "[service.web]\n"                       // 1
      "image = \"x\"\n"                       // 2
      "replicas = -1\n"                       // 3
      "stop_grace = \"5 s\"\n"                // 4
      "restart = { condition = \"nope\" }\n"  // 5
      "\n"                                    // 6
      "[service.db]\n"                        // 7
      "comand = [\"postgres\"]\n"             // 8
      "resources = { cpu = \"x\" }\n";        // 9
  auto r = parse_service_file(text, "svc/web.toml");
  REQUIRE(r.errors.size() == 6);
  CHECK(r.errors[0].to_string() == "svc/web.toml:3:12: replicas must be >= 0");
  CHECK(r.errors[1].to_string() ==
        "svc/web.toml:4:14: stop_grace: invalid duration \"5 s\": unknown unit \" s\" (use ms, "
        "s, m or h)");
  CHECK(r.errors[2].to_string() ==
        "svc/web.toml:5:25: restart.condition must be \"any\", \"on-failure\" or \"none\", not "
        "\"nope\" (did you mean \"none\"?)");
  CHECK(r.errors[3].to_string() == "svc/web.toml:7:1: service `db` needs an image or a command");
  CHECK(r.errors[4].to_string() ==
        "svc/web.toml:8:1: unknown key `comand` in service.db (did you mean `command`?)");
  CHECK(r.errors[5].to_string() ==
        "svc/web.toml:9:21: resources.cpu: invalid cpu \"x\": expected cores (0.5) or "
        "millicores (\"500m\")");
}

TEST_CASE("peer file: several errors at once", "[config][malformed]") {
  const std::string text =
      "name = \"a\"\n"
      "bind = \"nohost\"\n"
      "gossip = { profile = \"lan\", probe_timeout = \"1x\", gossip_nodez = 3 }\n"
      "dns = { listen = \"127.0.0.1:99999\" }\n";
  auto r = parse_peer_file(text, "peer.toml");
  REQUIRE(r.errors.size() == 4);
  CHECK(r.errors[0].to_string() ==
        "peer.toml:2:8: bind: invalid address \"nohost\": missing port (use host:port)");
  CHECK(r.errors[1].to_string() ==
        "peer.toml:3:45: gossip.probe_timeout: invalid duration \"1x\": unknown unit \"x\" (use "
        "ms, s, m or h)");
  CHECK(r.errors[2].to_string() ==
        "peer.toml:3:51: unknown key `gossip_nodez` in gossip (did you mean `gossip_nodes`?)");
  CHECK(r.errors[3].to_string() ==
        "peer.toml:4:18: dns.listen: invalid address \"127.0.0.1:99999\": port must be a number "
        "from 1 to 65535");
}

TEST_CASE("a TOML syntax error is reported at toml++'s position", "[config][malformed]") {
  auto r = parse_peer_file("name = \"a\"\nbind = \n", "p.toml");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].path == "p.toml");
  CHECK(r.errors[0].line == 2);
  CHECK(r.errors[0].message.rfind("Error while parsing", 0) == 0);
}

// Inputs on which toml++ 3.3 failed an internal assertion or reached __builtin_unreachable()
// (found by tests/fuzz/toml.cpp; config/toml.hpp and config/toml_library.cpp): each is a syntax
// refused with a position, and the sanitizer build (UBSan aborts on an unreachable point, assert
// is on) runs them too.
TEST_CASE("inputs that broke toml++ are syntax errors", "[config][malformed]") {
  using namespace std::string_literals;
  for (const std::string& text :
       {"[service.web]\nimage = \"x\"\n[\x01\0\0* = 1\n"s,  // a control character in a header
        "[{ervice.db]\nimage = \"x\"\n"s, "[[=x]]\n"s,         // a header's key not a key
        "[service.web]\nimage = \"x\"\nrestar\xCA\x87 = 1\n"s,  // U+0287 after a key
        "[service.web]\nvolumes = [\"a\",0\"/etc\xD1\xA2" "b\"]\n"s, "a = 1\xC2\xA0\n"s,
        "# a comment\0\n[service.web]\n"s}) {
    INFO(text);
    auto r = parse_service_file(text, "f.toml");
    REQUIRE_FALSE(r.errors.empty());
    CHECK(r.errors[0].line >= 1);
    CHECK_FALSE(r.value.has_value());
    CHECK_FALSE(parse_peer_file(text, "f.toml").ok());
  }
  // Inside strings of each kind and in comments, non-ASCII text is TOML's own.
  const char* fine = R"(# café " '
[service.web]
image = "café \" ʇ"
env = { A = 'café " #', B = """café
 \""" ʇ"""", C = '''ʇ
'' ''''', D = "v" }
)";
  auto ok = parse_service_file(fine, "f.toml");
  INFO((ok.errors.empty() ? std::string() : ok.errors[0].to_string()));
  CHECK(ok.ok());
}

TEST_CASE("close misspellings of a choice get a hint", "[config][malformed]") {
  auto r = parse_service_file(
      "[service.web]\nimage = \"x\"\nrestart = { condition = \"on_failure\", delay = \"2m\" }\n",
      "f.toml");
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0].to_string() ==
        "f.toml:3:25: restart.condition must be \"any\", \"on-failure\" or \"none\", not "
        "\"on_failure\" (did you mean \"on-failure\"?)");
  CHECK(r.errors[1].to_string() ==
        "f.toml:3:47: restart.delay (2m) is above the default max_delay (1m); set "
        "restart.max_delay");
}
