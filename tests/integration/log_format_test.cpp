// `shoal agent --log-format json`: every line of a real agent's stderr is one JSON object with
// ts, level and msg, including the error about a services_dir file whose name holds a quote, a
// backslash, a newline and bytes that are not UTF-8 (names from outside cannot forge lines).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "cluster.hpp"

using namespace shoal::test;
using namespace std::chrono_literals;
using Json = nlohmann::json;

TEST_CASE("agent --log-format json writes one object a line, hostile names escaped",
          "[asan][integration]") {
  Cluster c(1);
  c.start(0, {"--log-format", "json"});
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  const std::string hostile = "we\"ird\\\xff\xfe\nname.toml";
  std::ofstream(c.peer(0).dir + "/services/" + hostile) << "this is [[[ not toml\n";
  // The agent logs the bad file as an error (scanned within a second).
  REQUIRE(wait_until(10s, [&] {
    return read_text(c.peer(0).log).find("\"level\":\"error\"") != std::string::npos;
  }));
  REQUIRE(c.terminate(0) == 0);

  std::istringstream lines(read_text(c.peer(0).log));
  std::string line;
  int n = 0;
  bool saw_hostile = false;
  while (std::getline(lines, line)) {
    INFO(line);
    const Json j = Json::parse(line, nullptr, false);
    REQUIRE(j.is_object());
    REQUIRE(j["ts"].is_string());
    REQUIRE(j["level"].is_string());
    REQUIRE(j["msg"].is_string());
    const std::string msg = j["msg"];
    if (msg.find("we\"ird\\") != std::string::npos) {
      saw_hostile = true;
      CHECK(j["level"] == "error");
      CHECK(msg.find("\xEF\xBF\xBD") != std::string::npos);  // U+FFFD for the invalid bytes
      CHECK(msg.find("\nname.toml") != std::string::npos);    // the newline, escaped in the line
    }
    ++n;
  }
  CHECK(n > 3);
  CHECK(saw_hostile);
}

TEST_CASE("agent --log-format with an unknown value exits 2", "[integration]") {
  Cluster c(1);
  auto [code, out] = c.cli({"agent", "--config", c.peer(0).config, "--log-format", "xml"});
  CHECK(code == 2);
  auto [text_code, text_out] = c.cli({"agent", "--config", "/nonexistent.toml", "--log-format", "text"});
  CHECK(text_code == 2);  // accepted: the missing file is what stops it
}
