// The agent's JSON log lines (node/log_format.hpp): valid JSON whatever the message holds.
#include <catch2/catch.hpp>

#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include "node/cli.hpp"
#include "node/log_format.hpp"

TEST_CASE("log format json: one object a line with ts, level, msg, hostile bytes escaped",
          "[node][log]") {
  std::ostringstream os;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(os);
  spdlog::logger log("t", sink);
  log.set_formatter(shoal::node::make_log_formatter("json"));
  log.set_level(spdlog::level::trace);
  const std::string hostile = "a\"b\\c\xff\xc0\nd\r\x01{\"level\":\"forged\"}";
  log.error("cannot read {}", hostile);
  log.info("plain");
  std::istringstream in(os.str());
  std::string line;
  std::vector<nlohmann::json> got;
  while (std::getline(in, line)) got.push_back(nlohmann::json::parse(line));
  REQUIRE(got.size() == 2);
  CHECK(got[0]["level"] == "error");
  CHECK(got[0]["logger"] == "t");
  const std::string msg = got[0]["msg"];
  CHECK(msg.rfind("cannot read a\"b\\c", 0) == 0);
  CHECK(msg.find("\nd\r\x01{\"level\":\"forged\"}") != std::string::npos);
  CHECK(got[1]["msg"] == "plain");
  CHECK(got[1]["level"] == "info");
  const std::string ts = got[1]["ts"];
  REQUIRE(ts.size() == 24);  // 2026-01-02T03:04:05.678Z
  CHECK(ts[10] == 'T');
  CHECK(ts.back() == 'Z');
}

TEST_CASE("log format: text and json only, another value is bad input", "[node][log]") {
  CHECK(shoal::node::make_log_formatter("text") != nullptr);
  CHECK(shoal::node::make_log_formatter("xml") == nullptr);
  std::ostringstream out, err;
  CHECK(shoal::node::run_cli({"agent", "--config", "x.toml", "--log-format", "xml"}, out, err) == 2);
  CHECK(err.str().find("--log-format") != std::string::npos);
}
