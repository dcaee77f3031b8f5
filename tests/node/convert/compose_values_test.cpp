// The small value languages of compose: cpus, sizes, port specs, constraints, $VAR, words.
#include <catch2/catch.hpp>

#include "node/convert/compose_values.hpp"
#include "node/convert/yaml_walk.hpp"

using namespace shoal::convert;

TEST_CASE("cpus are cores, written as millicores") {
  CHECK(*parse_cpus("0.5").value == 500);
  CHECK(*parse_cpus("2").value == 2000);
  CHECK(*parse_cpus(".25").value == 250);
  CHECK(*parse_cpus("0.0005").value == 1);  // rounded to the nearest
  for (const char* bad : {"", "-1", "1e3", "0x10", "nan", "1.2.3", "2 cores", "9999999"})
    CHECK_FALSE(parse_cpus(bad).ok());
}

TEST_CASE("memory sizes are Docker's, binary, rounded up to MiB") {
  CHECK(*parse_memory_mib("512m").value == 512);
  CHECK(*parse_memory_mib("512M").value == 512);
  CHECK(*parse_memory_mib("1g").value == 1024);
  CHECK(*parse_memory_mib("1.5GB").value == 1536);
  CHECK(*parse_memory_mib("1GiB").value == 1024);
  CHECK(*parse_memory_mib("1048576").value == 1);
  CHECK(*parse_memory_mib("1048577b").value == 2);
  CHECK(*parse_memory_mib("64k").value == 1);
  for (const char* bad : {"", "m", "12 parsecs", "1x", "1mbb", "1bb", "-1m", "1e30", "99999999t"})
    CHECK_FALSE(parse_memory_mib(bad).ok());
}

TEST_CASE("port specs of the short syntax") {
  auto p = *parse_port_spec("8080:80").value;
  CHECK((p.host == 8080 && p.container == 80 && p.host_ip.empty() && p.protocol == "tcp"));
  p = *parse_port_spec("127.0.0.1:9229:9229").value;
  CHECK((p.host_ip == "127.0.0.1" && p.host == 9229));
  p = *parse_port_spec("[::1]:81:80/udp").value;
  CHECK((p.host_ip == "::1" && p.host == 81 && p.container == 80 && p.protocol == "udp"));
  p = *parse_port_spec("127.0.0.1::80").value;
  CHECK((p.host_ip == "127.0.0.1" && !p.host && p.container == 80));
  p = *parse_port_spec("3000").value;
  CHECK((!p.host && p.container == 3000));
  for (const char* bad : {"", "x", "0", "70000", "80:0", "8000-8010:80", "a:80", ":"})
    CHECK_FALSE(parse_port_spec(bad).ok());
}

TEST_CASE("placement constraints that Shoal can express") {
  CHECK(*translate_constraint("node.labels.ssd == true").value == "label.ssd == true");
  CHECK(*translate_constraint("node.labels.zone!=eu-1").value == "label.zone != eu-1");
  CHECK(*translate_constraint("node.hostname == 'host a'").value == "name == \"host a\"");
  CHECK(*translate_constraint("node.labels.x == a\"b").value == "label.x == \"a\\\"b\"");
  CHECK(*translate_constraint("node.labels.x ==").value == "label.x == \"\"");
  for (const char* bad : {"node.role == manager", "node.id != x", "node.platform.os == linux",
                          "engine.labels.a == b", "node.labels. == x", "node.labels.a",
                          "node.labels.a b == c"})
    CHECK_FALSE(translate_constraint(bad).ok());
}

TEST_CASE("$$ is a dollar, a default stands in for its variable, others stay") {
  auto i = unescape_dollars("a$$b");
  CHECK((i.text == "a$b" && !i.kept_variables && !i.used_defaults));
  i = unescape_dollars("${USER:-admin}/${HOME-/root}");
  CHECK((i.text == "admin//root" && i.used_defaults && !i.kept_variables));
  i = unescape_dollars("${A:-${B:-x}}");
  CHECK(i.text == "x");
  i = unescape_dollars("$HOME ${TZ} ${X:?set it} ${");
  CHECK((i.text == "$HOME ${TZ} ${X:?set it} ${" && i.kept_variables));
  i = unescape_dollars("$(cat f) 5$ $1");
  CHECK((i.text == "$(cat f) 5$ $1" && !i.kept_variables));
  std::string deep;
  for (int k = 0; k < 10000; ++k) deep += "${A:-";
  i = unescape_dollars(deep + std::string(10000, '}'));  // bounded recursion, no crash
  CHECK(i.kept_variables);
  std::string open;  // 100,000 unclosed `${`: one pass, not one scan each
  for (int k = 0; k < 100000; ++k) open += "${A";
  CHECK(unescape_dollars(open).text == open);
}

TEST_CASE("a command string splits into words as a shell would") {
  CHECK(*shell_split("a 'b c' \"d \\\"e\\\"\" f\\ g  ") ==
        std::vector<std::string>{"a", "b c", "d \"e\"", "f g"});
  CHECK(*shell_split("''") == std::vector<std::string>{""});
  CHECK(shell_split("").value().empty());
  CHECK_FALSE(shell_split("'open").has_value());
  CHECK_FALSE(shell_split("\"open").has_value());
}
