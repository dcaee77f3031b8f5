#include <catch2/catch.hpp>

#include "config/constraint.hpp"

using namespace shoal::config;
using Attr = Constraint::Attr;
using Op = Constraint::Op;

TEST_CASE("constraints parse into attr, op and values", "[config][constraint]") {
  struct Ok {
    const char* text;
    Constraint expected;
    const char* canonical;
  };
  const Ok cases[] = {
      {"zone != eu-3", {Attr::zone, "", Op::ne, {"eu-3"}}, "zone != eu-3"},
      {"label.ssd == true", {Attr::label, "ssd", Op::eq, {"true"}}, "label.ssd == true"},
      {"name==host-a", {Attr::name, "", Op::eq, {"host-a"}}, "name == host-a"},
      {"  zone in [eu-1, \"eu 2\"]  ", {Attr::zone, "", Op::in, {"eu-1", "eu 2"}},
       "zone in [eu-1, \"eu 2\"]"},
      {"zone not in [a]", {Attr::zone, "", Op::not_in, {"a"}}, "zone not in [a]"},
      {"label.disk.kind == 'fast ssd'", {Attr::label, "disk.kind", Op::eq, {"fast ssd"}},
       "label.disk.kind == \"fast ssd\""},
      {"label.k == \"a\\\"b\"", {Attr::label, "k", Op::eq, {"a\"b"}}, "label.k == \"a\\\"b\""},
      {"name in [x,y,z]", {Attr::name, "", Op::in, {"x", "y", "z"}},
       "name in [x, y, z]"},
  };
  for (const Ok& c : cases) {
    INFO(c.text);
    auto parsed = parse_constraint(c.text);
    REQUIRE(parsed.ok());
    CHECK(*parsed.value == c.expected);
    CHECK(parsed.value->to_string() == c.canonical);
    // The canonical text parses back to the same constraint.
    auto again = parse_constraint(parsed.value->to_string());
    REQUIRE(again.ok());
    CHECK(*again.value == c.expected);
  }
}

TEST_CASE("constraint errors", "[config][constraint]") {
  struct Bad { const char* text; const char* why; };
  for (const Bad& c : {
           Bad{"", "empty constraint"},
           Bad{"zone", "missing operator after \"zone\" (use ==, !=, in or not in)"},
           Bad{"zone ==", "missing value after \"==\""},
           Bad{"zone not [a]", "expected \"in\" after \"not\""},
           Bad{"zone in [a", "missing ']' at the end of the list"},
           Bad{"zone in [a b]", "expected ',' or ']' in the list at \"b]\""},
           Bad{"zone in [a,]", "expected a value at \"]\""},
           Bad{"== x", "expected name, zone or label.KEY at \"== x\""},
           Bad{"zone == \"a\\n\"", "unknown escape \\n"},
           Bad{"zone == 'a", "missing closing '"},
           Bad{"zone inside [a]", "expected an operator (==, !=, in or not in) at \"inside [a]\""},
       }) {
    INFO(c.text);
    auto parsed = parse_constraint(c.text);
    CHECK_FALSE(parsed.ok());
    CHECK(parsed.error == c.why);
  }
}

TEST_CASE("constraints match peers by name, zone and labels as strings", "[config][constraint]") {
  const std::map<std::string, std::string> labels{{"ssd", "true"}, {"rack", "r1"}};
  auto m = [&](const char* text, const char* name, const char* zone) {
    auto c = parse_constraint(text);
    REQUIRE(c.ok());
    return c.value->matches(name, zone, labels);
  };
  CHECK(m("zone != eu-3", "a", "eu-1"));
  CHECK_FALSE(m("zone != eu-3", "a", "eu-3"));
  CHECK(m("label.ssd == true", "a", "z"));
  CHECK_FALSE(m("label.ssd != true", "a", "z"));
  CHECK(m("name in [a, b]", "b", "z"));
  CHECK_FALSE(m("name in [a, b]", "c", "z"));
  CHECK(m("name not in [a, b]", "c", "z"));
  CHECK_FALSE(m("name not in [a, b]", "a", "z"));
  // A missing label matches no value: == and in fail, != and not in hold.
  CHECK_FALSE(m("label.gpu == yes", "a", "z"));
  CHECK_FALSE(m("label.gpu in [yes]", "a", "z"));
  CHECK(m("label.gpu != yes", "a", "z"));
  CHECK(m("label.gpu not in [yes]", "a", "z"));
  // An empty zone is a value like any other.
  CHECK(m("zone == ''", "a", ""));
}
