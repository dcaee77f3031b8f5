// `shoal what-if` against a real 5-peer cluster: what it says before two hosts die is what
// then happens when they do (host deaths as in failover_test: kill -9 of the peer and of its
// instances). Unknown names are refused: 400 from the API, exit 2 from the CLI.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>

#include "agent_binary.hpp"
#include "cluster.hpp"

using namespace shoal::test;
using namespace std::chrono_literals;
using Json = nlohmann::json;

TEST_CASE("what-if --down for two peers predicts where their instances go when they die",
          "[integration]") {
  Cluster c(5);
  REQUIRE(start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/sleeper.toml")
      << "[service.sleeper]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 5\n";
  const auto all = peers_upto(5);
  std::optional<std::map<int, std::string>> before;
  REQUIRE(wait_until(40s, [&] { return (before = agreed_running(c, all, "sleeper", 5)).has_value(); }));

  // Two victims among p1..p4 (p0 answers the questions), those holding instances first.
  std::vector<int> victims;
  for (const auto& [idx, peer] : *before) {
    const int i = peer[1] - '0';
    if (i != 0 && victims.size() < 2 &&
        std::find(victims.begin(), victims.end(), i) == victims.end()) {
      victims.push_back(i);
    }
  }
  for (int i = 1; victims.size() < 2; ++i)
    if (std::find(victims.begin(), victims.end(), i) == victims.end()) victims.push_back(i);
  const std::string down = c.peer(victims[0]).name + "," + c.peer(victims[1]).name;

  auto [code, out] = c.cli({"what-if", "--down", down, "--json", "--api", api_addr(c, 0)});
  REQUIRE(code == 0);
  const Json w = Json::parse(out, nullptr, false);
  REQUIRE(w.is_object());
  INFO(out);
  REQUIRE(w["unplaced"] == Json::array());
  // Exactly the victims' instances move, and only to survivors.
  std::map<int, std::string> expected = *before;
  std::set<int> moved;
  for (const auto& m : w["moves"]) {
    REQUIRE(m["service"] == "sleeper");
    const int idx = m["index"].get<int>();
    REQUIRE(m["from"] == before->at(idx));
    expected[idx] = m["to"].get<std::string>();
    moved.insert(idx);
  }
  for (const auto& [idx, peer] : *before) {
    const bool on_victim = peer == c.peer(victims[0]).name || peer == c.peer(victims[1]).name;
    REQUIRE(moved.count(idx) == (on_victim ? 1u : 0u));
  }
  // The readable form says the same.
  auto [tcode, text] = c.cli({"what-if", "--down", down, "--api", api_addr(c, 0)});
  REQUIRE(tcode == 0);
  CHECK(text.rfind("SERVICE  INDEX  FROM  TO\n", 0) == 0);

  for (int v : victims) {
    c.kill9(v);
    c.kill_instances(v);
  }
  std::vector<int> survivors;
  for (int i : all)
    if (std::find(victims.begin(), victims.end(), i) == victims.end()) survivors.push_back(i);
  std::optional<std::map<int, std::string>> after;
  const bool settled = wait_until(60s, [&] {
    after = agreed_running(c, survivors, "sleeper", 5, survivors);
    return after.has_value() && *after == expected;
  });
  INFO("ps after the deaths: " << ps_json(c, 0).dump());
  REQUIRE(settled);
  // And what-if now has nothing more to move for those peers (they are dead already).
  auto [again_code, again] = c.cli({"what-if", "--down", down, "--json", "--api", api_addr(c, 0)});
  REQUIRE(again_code == 0);
  CHECK(Json::parse(again)["moves"] == Json::array());
}

TEST_CASE("what-if refuses unknown peers and zones by name", "[integration]") {
  Cluster c(1);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  auto [code, out] =
      c.cli({"what-if", "--down", c.peer(0).name + ",ghost", "--api", api_addr(c, 0)});
  CHECK(code == 2);
  CHECK(out.empty());
  auto [zcode, zout] = c.cli({"what-if", "--down-zone", "mars", "--api", api_addr(c, 0)});
  CHECK(zcode == 2);
  // The API itself: 400 with the name, both ways; a read needs no token.
  const std::string err_file = c.root() + "/what-if.err";
  const std::string cmd = std::string("'") + shoal_bin() + "' what-if --down ghost --api " +
                          api_addr(c, 0) + " 2>'" + err_file + "'";
  CHECK(WEXITSTATUS(std::system(cmd.c_str())) == 2);
  CHECK(read_text(err_file) == "shoal what-if: unknown peer `ghost`\n");
  auto ok = c.cli({"what-if", "--down", c.peer(0).name, "--json", "--api", api_addr(c, 0)});
  CHECK(ok.first == 0);
  CHECK(Json::parse(ok.second)["down"] == Json::array({c.peer(0).name}));
}
