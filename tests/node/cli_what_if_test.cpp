// `shoal what-if`: its command line and its readable output (the request itself is tested
// against real peers in tests/integration/what_if_test.cpp).
#include <catch2/catch.hpp>

#include <sstream>

#include "node/cli.hpp"
#include "node/cli_what_if.hpp"

using shoal::node::run_cli;

namespace {

struct WhatIfRun {
  int code;
  std::string out, err;
};

WhatIfRun run_what_if(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int code = run_cli(args, out, err);
  return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("what-if: --help helps, and exactly one of --down and --down-zone", "[node][cli]") {
  const WhatIfRun help = run_what_if({"what-if", "--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("--down-zone") != std::string::npos);
  CHECK(help.out.find("unplaced") != std::string::npos);
  // The check comes before any request: no peer listens on this port.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"what-if", "--api", "127.0.0.1:1"},
           {"what-if", "--api", "127.0.0.1:1", "--down", "a", "--down-zone", "z"}}) {
    const WhatIfRun r = run_what_if(args);
    CHECK(r.code == 2);
    CHECK(r.err ==
          "shoal what-if: give exactly one of --down PEER[,PEER] and --down-zone ZONE (see "
          "`shoal what-if --help`)\n");
  }
  CHECK(run_what_if({"what-if", "--down"}).code == 2);  // a flag without its value
  const WhatIfRun unreachable = run_what_if({"what-if", "--api", "127.0.0.1:1", "--down", "a"});
  CHECK(unreachable.code == 1);
  CHECK(unreachable.err.find("cannot reach the peer at 127.0.0.1:1") != std::string::npos);
}

TEST_CASE("what-if: the target percent-encodes the names", "[node][cli]") {
  using shoal::node::what_if_target;
  CHECK(what_if_target(std::string("a,b-1"), std::nullopt) == "/v1/what-if?down=a,b-1");
  CHECK(what_if_target(std::nullopt, std::string("eu 1&x=\"")) ==
        "/v1/what-if?down_zone=eu%201%26x%3D%22");
}

TEST_CASE("what-if: the readable form lists moves, then unplaced with reasons", "[node][cli]") {
  const auto j = nlohmann::json::parse(R"({"moves":[{"service":"web","index":3,"from":"a","to":"bb"}],
    "unplaced":[{"service":"db","index":0,"from":"a","reason":"full: cpu"}],"down":["a"]})");
  CHECK(shoal::node::what_if_text(j) ==
        "SERVICE  INDEX  FROM  TO\n"
        "web      3      a     bb\n"
        "\n"
        "unplaced:\n"
        "SERVICE  INDEX  FROM  REASON\n"
        "db       0      a     full: cpu\n");
  CHECK(shoal::node::what_if_text(nlohmann::json::parse(R"({"moves":[],"unplaced":[]})")) ==
        "no instance would move\n\nno instance would go unplaced\n");
}
