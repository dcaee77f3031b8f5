// The benchmark's CSV reader: columns by name, other columns ignored, errors name file:line.
#include <catch2/catch.hpp>

#include "sim/csv.hpp"

using namespace shoal::sim;

TEST_CASE("csv: nodes by column name, with sn, optional zone, extra columns ignored", "[sim][csv]") {
  const std::string text = "sn,gpu,cpu_milli,memory_mib,model\r\nn1,0,32000,262144,\r\n\nn2,2,16000,1024,V100\n";
  auto r = parse_nodes(text, "nodes.csv");
  REQUIRE(std::holds_alternative<std::vector<NodeRow>>(r));
  const auto& rows = std::get<std::vector<NodeRow>>(r);
  REQUIRE(rows.size() == 2);
  REQUIRE(rows[0].name == "n1");
  REQUIRE(rows[0].cpu_milli == 32000);
  REQUIRE(rows[0].memory_mib == 262144);
  REQUIRE(rows[0].zone.empty());
  REQUIRE(rows[1].name == "n2");
  REQUIRE(rows[1].memory_mib == 1024);

  auto z = parse_nodes("zone,memory_mib,name,cpu_milli\neu-1,10,\"a,b\",20\n", "z.csv");
  const auto& zr = std::get<std::vector<NodeRow>>(z);
  REQUIRE(zr[0].zone == "eu-1");
  REQUIRE(zr[0].name == "a,b");
  REQUIRE(zr[0].cpu_milli == 20);
}

TEST_CASE("csv: pods", "[sim][csv]") {
  auto r = parse_pods("name,cpu_milli,memory_mib,num_gpu\np0,12000,16384,1\np1,0,0,0\n", "pods.csv");
  const auto& rows = std::get<std::vector<PodRow>>(r);
  REQUIRE(rows.size() == 2);
  REQUIRE(rows[0].name == "p0");
  REQUIRE(rows[0].cpu_milli == 12000);
  REQUIRE(rows[1].memory_mib == 0);
}

TEST_CASE("csv: errors name the file and line", "[sim][csv]") {
  auto missing = parse_pods("name,cpu_milli\np0,1\n", "pods.csv");
  REQUIRE(std::get<CsvError>(missing).message == "pods.csv:1: missing column `memory_mib`");
  auto no_name = parse_nodes("host,cpu_milli,memory_mib\n", "nodes.csv");
  REQUIRE(std::get<CsvError>(no_name).message == "nodes.csv:1: missing column `name` or `sn`");
  auto bad = parse_nodes("name,cpu_milli,memory_mib\na,1,2\n\nb,12x,3\n", "nodes.csv");
  REQUIRE(std::get<CsvError>(bad).message ==
          "nodes.csv:4: bad number `12x` in column `cpu_milli` (expected a non-negative integer)");
  auto negative = parse_pods("name,cpu_milli,memory_mib\na,1,-2\n", "p.csv");
  REQUIRE(std::get<CsvError>(negative).message.rfind("p.csv:2: bad number `-2`", 0) == 0);
  auto short_row = parse_pods("name,cpu_milli,memory_mib\na,1\n", "p.csv");
  REQUIRE(std::get<CsvError>(short_row).message == "p.csv:2: missing field `memory_mib`");
  auto empty = parse_pods("", "e.csv");
  REQUIRE(std::get<CsvError>(empty).message == "e.csv:1: empty file (expected a header line)");
  auto file = read_file("/nonexistent/dir/nodes.csv");
  REQUIRE(std::get<CsvError>(file).message == "/nonexistent/dir/nodes.csv: cannot open file");
}
