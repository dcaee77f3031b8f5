// `shoal apply --plan` against 3 real peers: an unchanged file keeps everything, a changed one
// says which instances restart, move or start and where, and nothing is written: the peer's
// services folder and the cluster's spec stay as they were.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "cluster.hpp"
#include "node/http.hpp"

using shoal::test::api_addr;
using shoal::test::Cluster;
using shoal::test::read_text;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

TEST_CASE("apply --plan: what a file would change, with nothing written", "[integration][plan]") {
  Cluster c(3);
  REQUIRE(start_all_ready(c));
  const std::string api = api_addr(c, 0);
  const std::string v1 = c.root() + "/web.toml";
  std::ofstream(v1) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n";
  REQUIRE(c.cli({"apply", v1, "--api", api}).first == 0);
  std::optional<std::map<int, std::string>> running;
  REQUIRE(wait_until(30s, [&] {
    running = shoal::test::agreed_running(c, {0, 1, 2}, "web", 2);
    return running.has_value();
  }));
  const std::string spec_before = (*c.get(1, "/v1/services"))[0].value("version", "");

  // The same file: nothing changes.
  auto [same_code, same_out] = c.cli({"apply", "--plan", "--json", v1, "--api", api});
  REQUIRE(same_code == 0);
  const Json same = Json::parse(same_out);
  REQUIRE(same["services"].size() == 1);
  CHECK(same["services"][0]["change"] == "unchanged");
  for (const auto& i : same["services"][0]["instances"]) {
    CHECK(i["action"] == "keep");
    CHECK(i["from"] == i["to"]);
    CHECK(i["from"] == running->at(i["index"].get<int>()));
  }
  CHECK(same["others"].empty());

  // Another command and one more replica: the two running are replaced, a third starts.
  const std::string v2 = c.root() + "/v2/web.toml";
  std::filesystem::create_directories(c.root() + "/v2");
  std::ofstream(v2) << "[service.web]\ncommand = [\"sleep\", \"2000\"]\nreplicas = 3\n";
  auto [code, out] = c.cli({"apply", "--plan", "--json", v2, "--api", api});
  REQUIRE(code == 0);
  const Json plan = Json::parse(out);
  const Json& web = plan["services"][0];
  CHECK(web["change"] == "changed");
  CHECK(web["spec_hash_now"] != web["spec_hash_next"]);
  REQUIRE(web["instances"].size() == 3);
  for (const auto& i : web["instances"]) {
    const int index = i["index"].get<int>();
    INFO(index);
    if (index < 2) {
      CHECK(i["from"] == running->at(index));
      CHECK(i["action"] == (i["from"] == i["to"] ? "restart" : "move"));
    } else {
      CHECK(i["from"].is_null());
      CHECK(i["action"] == "start");
      CHECK(i["to"].is_string());
    }
  }
  // The text form says the same, and that nothing was written.
  auto text = c.cli({"apply", "--plan", v2, "--api", api});
  CHECK(text.first == 0);
  CHECK(text.second.find("web: changed (spec ") != std::string::npos);
  CHECK(text.second.find("nothing was written") != std::string::npos);

  // Nothing was written: the peer's file is v1's, the cluster still runs v1's spec.
  CHECK(read_text(c.peer(0).dir + "/services/web.toml") == read_text(v1));
  std::this_thread::sleep_for(500ms);  // time enough for a write to have spread, were it made
  CHECK((*c.get(2, "/v1/services"))[0].value("version", "") == spec_before);
  CHECK(shoal::test::agreed_running(c, {0, 1, 2}, "web", 2) == running);

  // Hostile bodies on the peer's socket: refused with 400, nothing written.
  const std::string sock = c.peer(0).dir + "/data/api.sock";
  for (const std::string body :
       {std::string("not json"), std::string(R"({"file":5,"content":"x"})"),
        std::string(R"({"file":"../x.toml","content":"[service.a]\ncommand=[\"true\"]\n"})"),
        std::string(R"({"file":"a.toml","content":"[service.a]\nreplicas = 1e300\n"})"),
        std::string(R"({"file":"a.toml","content":")") + std::string(200000, 'x') + "\"}"}) {
    auto r = shoal::node::http_call_unix(sock, "POST", "/v1/plan", body, "", 5000);
    REQUIRE(r.ok);
    CHECK(r.status == 400);
  }
  CHECK(read_text(c.peer(0).dir + "/services/web.toml") == read_text(v1));
  CHECK_FALSE(std::filesystem::exists(c.peer(0).dir + "/services/a.toml"));

  // --json goes with --plan only; a file that does not parse is refused locally.
  CHECK(c.cli({"apply", "--json", v1, "--api", api}).first == 2);
  const std::string bad = c.root() + "/bad.toml";
  std::ofstream(bad) << "[service.web]\nreplicas = \"x\"\n";
  CHECK(c.cli({"apply", "--plan", bad, "--api", api}).first == 2);
}
