// `--help` teaches: every command `shoal --help` lists shows at least one example of itself.
#include <catch2/catch.hpp>

#include <sstream>

#include "node/cli.hpp"

namespace {

std::string help(std::vector<std::string> args) {
  args.push_back("--help");
  std::ostringstream out, err;
  REQUIRE(shoal::node::run_cli(args, out, err) == 0);
  return out.str();
}

}  // namespace

TEST_CASE("help: every listed command has an example of itself", "[node][cli]") {
  const std::string top = help({});
  CHECK(top.find("Examples:\n  shoal agent --dev\n") != std::string::npos);
  std::istringstream lines(top.substr(top.find("Subcommands:")));
  std::string line;
  std::getline(lines, line);
  int commands = 0;
  while (std::getline(lines, line) && !line.empty()) {
    std::istringstream words(line);
    std::string cmd;
    words >> cmd;
    INFO(cmd);
    const std::string h = help({cmd});
    const auto at = h.find("Examples:\n  shoal " + cmd);
    REQUIRE(at != std::string::npos);
    const char after = h[at + std::string("Examples:\n  shoal ").size() + cmd.size()];
    CHECK((after == ' ' || after == '\n'));  // `shoal CMD`, not `shoal CMD-other`
    ++commands;
  }
  CHECK(commands >= 14);  // agent ... version; the hidden watchdog is not listed
}
