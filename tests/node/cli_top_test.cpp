// `shoal top`'s frame (node/cli_top.hpp): peers with used / capacity, instances busiest first,
// odd fields as "-".
#include <catch2/catch.hpp>

#include "node/cli_top.hpp"

using namespace shoal::node;
using Json = nlohmann::json;

TEST_CASE("top: one frame", "[cli][usage]") {
  const Json usage = Json::parse(R"({"peers":[{"peer":"a","cpu_milli":120,"cpu_capacity_milli":2000,
      "memory_mib":300,"memory_capacity_mib":4096,"agent_cpu_milli":10,"agent_rss_mib":7,"age_ms":1200}],
      "instances":[{"service":"web","index":0,"peer":"a","cpu_milli":15,"rss_mib":12,"age_ms":1200},
                   {"service":"db","index":1,"peer":"a","cpu_milli":900,"rss_mib":100,"age_ms":1200}]})");
  const std::string f = top_frame(usage);
  CHECK(f.find("120/2000m 6%") != std::string::npos);
  CHECK(f.find("300/4096MiB 7%") != std::string::npos);
  CHECK(f.find("1.2s") != std::string::npos);
  CHECK(f.find("db") < f.find("web"));  // busiest first
  const std::string cut = top_frame(usage, 1);
  CHECK(cut.find("web") == std::string::npos);
  CHECK(cut.find("(1 more)") != std::string::npos);
}

TEST_CASE("top: odd answers", "[cli][usage]") {
  CHECK(top_frame(Json::array()).find("no measurement yet") != std::string::npos);
  CHECK(top_frame(Json{{"peers", Json::array()}}).find("no measurement yet") != std::string::npos);
  const Json odd = Json::parse(R"({"peers":[{"peer":7,"cpu_milli":"x","cpu_capacity_milli":0}],
      "instances":[{"service":null},"junk",{"cpu_milli":1e40}]})");
  CHECK(top_frame(Json::parse(R"({"peers":[{"peer":"a","cpu_milli":9223372036854775807,
      "cpu_capacity_milli":1,"memory_mib":-5,"memory_capacity_mib":1}]})")).find("a") != std::string::npos);
  const std::string f = top_frame(odd);
  CHECK(f.find("PEER") != std::string::npos);
  CHECK(f.find("-") != std::string::npos);
}
