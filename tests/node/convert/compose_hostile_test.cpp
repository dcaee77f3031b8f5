// Hostile compose files: each is refused with a position, quickly and in bounded memory.
#include <catch2/catch.hpp>

#include "node/convert/compose.hpp"

using shoal::convert::convert_compose;
using shoal::convert::Converted;

namespace {

Converted convert(const std::string& yaml) { return convert_compose(yaml, "c.yml"); }

std::string all_errors(const Converted& c) {
  std::string out;
  for (const auto& e : c.errors) out += e.to_string("c.yml") + "\n";
  return out;
}

// A refused file: at least one error, no service.
void require_refused(const Converted& c) {
  INFO(all_errors(c));
  REQUIRE_FALSE(c.ok());
  REQUIRE(c.services.empty());
}

}  // namespace

TEST_CASE("a YAML bomb of nested aliases stops at the node budget") {
  // Each level merges the previous one ten times: 10^8 mappings once expanded, 1 KiB of text.
  std::string yaml = "x-l0: &l0 {A: a, B: b, C: c}\n";
  for (int i = 1; i <= 8; ++i) {
    yaml += "x-l" + std::to_string(i) + ": &l" + std::to_string(i) + " {<<: [";
    for (int k = 0; k < 10; ++k) yaml += (k ? ", *l" : "*l") + std::to_string(i - 1);
    yaml += "]}\n";
  }
  yaml += "services:\n  web:\n    image: nginx\n    environment: *l8\n";
  Converted c = convert(yaml);
  require_refused(c);
  CHECK(all_errors(c).find("more nodes than 100000") != std::string::npos);
}

TEST_CASE("a long string aliased everywhere stops at the text budget") {
  // 256 KB once in the file, 100 times in each of 1,000 services: 25 GB if copied each time.
  std::string yaml = "x-big: &big " + std::string(256 << 10, 'v') + "\nx-env: &env {";
  for (int i = 0; i < 100; ++i) yaml += (i ? ", V" : "V") + std::to_string(i) + ": *big";
  yaml += "}\nservices:\n";
  for (int i = 0; i < 1000; ++i) yaml += "  s" + std::to_string(i) + ": {image: *big, environment: *env}\n";
  Converted c = convert(yaml);
  require_refused(c);
  CHECK(all_errors(c).find("more than 4 MiB once its aliases are expanded") != std::string::npos);
  for (const auto& e : c.errors) CHECK(e.message.size() < 600);  // quotes are cut
}

TEST_CASE("a key longer than 1 KiB is refused") {
  Converted c = convert("services:\n  ? " + std::string(2000, 'k') + "\n  : {image: x}\n");
  require_refused(c);
  CHECK(c.errors[0].message == "a key longer than 1024 bytes");
}

TEST_CASE("billion laughs through sequences is walked only as deep as compose goes") {
  std::string yaml = "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    yaml += std::string("x-") + level + ": &" + level + " [";
    for (int k = 0; k < 10; ++k) yaml += std::string(k ? ", *" : "*") + char(level - 1);
    yaml += "]\n";
  }
  yaml += "services:\n  web:\n    image: nginx\n    command: *i\n    volumes: *i\n";
  Converted c = convert(yaml);
  require_refused(c);
  // Every element of the 10-element lists is a sequence where a string belongs.
  CHECK(c.errors.front().key == "services.web.command[0]");
  CHECK(c.errors.size() == 20);
}

TEST_CASE("deep nesting is refused by the parser with a position") {
  const std::string flow = "services:\n  web:\n    image: " + std::string(5000, '[') + "\n";
  require_refused(convert(flow));
  // Block sequences nest on one line: `- - - x`, 3,000 deep in 6 KB.
  std::string block = "services:\n  web:\n    image: nginx\n    command:\n      ";
  for (int i = 0; i < 3000; ++i) block += "- ";
  Converted c = convert(block + "x\n");
  require_refused(c);
  CHECK(c.errors.front().message.find("invalid YAML: nested too deeply") == 0);
  CHECK(c.errors.front().line == 5);
}

TEST_CASE("nesting within the parser's bound under a key Shoal ignores is only reported") {
  const std::string yaml = "services:\n  web:\n    image: nginx\n    labels: " +
                           std::string(300, '[') + std::string(300, ']') + "\n";
  Converted c = convert(yaml);
  REQUIRE(c.ok());
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0].key == "services.web.labels");
}

TEST_CASE("a file above 1 MiB is refused before parsing") {
  std::string yaml = "services:\n  web:\n    image: nginx\n# ";
  yaml += std::string((1 << 20) - yaml.size() + 1, 'x');
  Converted c = convert(yaml);
  require_refused(c);
  CHECK(c.errors[0].message.find("larger than 1024 KiB") != std::string::npos);
  CHECK(convert(yaml.substr(0, 1 << 20)).ok());  // the same text at the limit converts
}

TEST_CASE("more than 1000 services are refused") {
  std::string yaml = "services:\n";
  for (int i = 0; i <= 1000; ++i) yaml += "  s" + std::to_string(i) + ": {image: x}\n";
  require_refused(convert(yaml));
}

TEST_CASE("lists longer than Shoal's bounds are refused") {
  // 5,000 variables: read (names kept in a set, not scanned), then refused by Shoal's 1,024.
  std::string env = "services:\n  web:\n    image: nginx\n    environment:\n";
  for (int i = 0; i < 5000; ++i) env += "      - V" + std::to_string(i) + "=1\n";
  Converted c = convert(env);
  require_refused(c);
  CHECK(c.errors[0].message.find("1024") != std::string::npos);
  std::string ports = "services:\n  web:\n    image: nginx\n    ports:\n";
  for (int i = 0; i < 257; ++i) ports += "      - " + std::to_string(1000 + i) + "\n";
  require_refused(convert(ports));
}

TEST_CASE("warnings stop at 500, the rest counted in a last line") {
  std::string yaml = "services:\n  web:\n    image: nginx\n    environment:\n";
  for (int i = 0; i < 600; ++i) yaml += "      - V" + std::to_string(i) + "\n";  // no value
  Converted c = convert(yaml);
  REQUIRE(c.ok());
  REQUIRE(c.warnings.size() == 501);
  CHECK(c.warnings[0].key == "services.web.environment.V0");
  CHECK(c.warnings.back().message == "100 more not shown");
}

TEST_CASE("bytes that are not UTF-8 are refused at their line and column") {
  Converted c = convert("services:\n  web:\n    image: ng\xffinx\n");
  require_refused(c);
  CHECK(c.errors[0].line == 3);
  CHECK(c.errors[0].col == 14);
  CHECK(c.errors[0].message.find("not UTF-8") == 0);
  CHECK(convert(std::string("services:\n  web: {image: a\0b}\n", 29)).errors[0].message.find(
            "NUL") != std::string::npos);
  CHECK(convert("\xff\xfeservices: {}").errors[0].line == 1);         // a UTF-16 mark
  CHECK_FALSE(convert("services:\n  web: {image: \xed\xa0\x80}\n").ok());  // a surrogate
  CHECK_FALSE(convert("services:\n  web: {image: \xc0\xaf}\n").ok());      // an overlong '/'
  CHECK(convert("services:\n  web: {image: \"n\xc3\xa9\"}\n").ok());  // é is fine
}

TEST_CASE("text that is not YAML is refused at the parser's position") {
  Converted c = convert("services:\n  web: [1, 2\n  db: x\n");
  require_refused(c);
  CHECK(c.errors[0].line >= 2);
  CHECK(c.errors[0].message.find("invalid YAML") == 0);
}

TEST_CASE("YAML that is not a compose file is refused") {
  for (const char* yaml : {"", ",", "- a\n- b\n", "just text\n", "name: x\n", "services:\n",
                           "services: {}\n", "services: {web: {image: a}}\n---\nb: 1\n"}) {
    INFO(yaml);
    require_refused(convert(yaml));
  }
}

TEST_CASE("a wrong type anywhere is an error at its line naming the key") {
  struct Case {
    const char* yaml;  // goes under `services: web:` after `image: nginx`
    const char* key;
  };
  const Case cases[] = {
      {"command: {a: b}", "services.web.command"},
      {"command: [[a]]", "services.web.command[0]"},
      {"command: 'unclosed \"quote'", "services.web.command"},
      {"environment: 5", "services.web.environment"},
      {"environment: [[a]]", "services.web.environment"},
      {"environment: {A: [1]}", "services.web.environment.A"},
      {"environment: [A=1, A=2]", "services.web.environment.A"},
      {"ports: 80", "services.web.ports"},
      {"ports: [[80]]", "services.web.ports[0]"},
      {"ports: [{target: x}]", "services.web.ports[0].target"},
      {"ports: [{published: 80}]", "services.web.ports[0]"},
      {"ports: ['80:80', '80:81']", "services.web.ports[1]"},
      {"deploy: []", "services.web.deploy"},
      {"deploy: {replicas: two}", "services.web.deploy.replicas"},
      {"deploy: {replicas: -1}", "services.web.deploy.replicas"},
      {"deploy: {mode: sometimes}", "services.web.deploy.mode"},
      {"deploy: {resources: {limits: {cpus: lots}}}", "services.web.deploy.resources.limits.cpus"},
      {"deploy: {resources: {limits: {memory: 12 parsecs}}}",
       "services.web.deploy.resources.limits.memory"},
      {"deploy: {resources: {limits: 1}}", "services.web.deploy.resources.limits"},
      {"deploy: {restart_policy: {condition: maybe}}",
       "services.web.deploy.restart_policy.condition"},
      {"deploy: {restart_policy: {max_attempts: [1]}}",
       "services.web.deploy.restart_policy.max_attempts"},
      {"deploy: {placement: {constraints: node.role==manager}}",
       "services.web.deploy.placement.constraints"},
      {"deploy: {placement: {max_replicas_per_node: x}}",
       "services.web.deploy.placement.max_replicas_per_node"},
      {"deploy: {replicas: 20000}", "services.web"},  // beyond Shoal's bound: its parser says so
      {"healthcheck: {test: {a: 1}}", "services.web.healthcheck.test"},
      {"healthcheck: {test: [PING]}", "services.web.healthcheck.test"},
      {"healthcheck: {test: []}", "services.web.healthcheck.test"},
      {"healthcheck: {test: ''}", "services.web.healthcheck.test"},
      {"healthcheck: {test: [CMD]}", "services.web.healthcheck.test"},
      {"healthcheck: {test: [CMD, x], retries: x}", "services.web.healthcheck.retries"},
      {"healthcheck: {test: [CMD, x], disable: maybe}", "services.web.healthcheck.disable"},
      {"healthcheck: 1", "services.web.healthcheck"},
      {"volumes: {a: b}", "services.web.volumes"},
      {"volumes: [[a]]", "services.web.volumes[0]"},
      {"volumes: [{type: bind, source: [x]}]", "services.web.volumes[0].source"},
      {"restart: sometimes", "services.web.restart"},
      {"restart: on-failure:x", "services.web.restart"},
      {"restart: [always]", "services.web.restart"},
      {"scale: x", "services.web.scale"},
      {"stop_grace_period: [1]", "services.web.stop_grace_period"},
      {"image: other", "services.web.image"},   // given twice
      {"? [a]\n    : b", "services.web"},        // a key that is not a string
      {"<<: 5", "services.web"},                 // a merge of a scalar
  };
  for (const Case& k : cases) {
    const std::string yaml =
        std::string("services:\n  web:\n    image: nginx\n    ") + k.yaml + "\n";
    INFO(yaml);
    Converted c = convert(yaml);
    require_refused(c);
    CHECK(c.errors[0].key == k.key);
    CHECK(c.errors[0].line >= 2);
  }
  for (const char* yaml : {"services: []\n", "services: {web: nginx}\n", "services: {web: [a]}\n",
                           "services: {web: {image: [a]}}\n",
                           "services: {web: {image: a}}\nvolumes: []\n",
                           "services: {web: {image: a}}\nnetworks: 1\n"}) {
    INFO(yaml);
    require_refused(convert(yaml));
  }
}
