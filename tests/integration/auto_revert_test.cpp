// Auto-revert on 2 real peers (process driver): a version whose health check always fails
// is failed after healthy_deadline by the peers' own statuses, and both run the last healthy
// version again; `apply --wait` exits 0 for the healthy version and 1 for the failed one;
// `shoal history` lists both with their outcomes; `shoal revert` makes the healthy version the
// desired one again while the services file still holds the failed one.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <string>

#include "cluster.hpp"
#include "node/http.hpp"

using shoal::test::api_addr;
using shoal::test::Cluster;
using shoal::test::start_all_ready;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

void write_version(const std::string& path, const char* check) {
  std::ofstream(path) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n"
                      << "health = { exec = [\"" << check
                      << "\"], interval = \"200ms\", timeout = \"100ms\", retries = 1 }\n"
                      << "update = { parallelism = 1, min_healthy_time = \"200ms\", "
                         "healthy_deadline = \"2s\", auto_revert = true }\n";
}

// The spec hashes of web's live processes on both peers.
std::set<std::string> live_hashes(Cluster& c) {
  const auto all = shoal::test::live_spec_hashes(c, {0, 1}, "web");
  return {all.begin(), all.end()};
}

}  // namespace

TEST_CASE("auto-revert on 2 real peers: a failing version reverts, apply --wait exits 1",
          "[integration][auto_revert]") {
  Cluster c(2);
  REQUIRE(start_all_ready(c));
  const std::string api = api_addr(c, 0);
  const std::string file = c.root() + "/web.toml";
  write_version(file, "true");
  auto [good_rc, good_out] = c.cli({"apply", "--wait", "--timeout", "20s", file, "--api", api});
  INFO(good_out);
  REQUIRE(good_rc == 0);
  const std::string good = (*c.get(1, "/v1/services"))[0].value("version", "");
  CHECK(live_hashes(c) == std::set<std::string>{good});

  write_version(file, "false");
  auto [bad_rc, bad_out] =
      c.cli({"apply", "--wait", "--json", "--timeout", "20s", file, "--api", api});
  INFO(bad_out);
  CHECK(bad_rc == 1);
  // Every peer says reverted, with both hashes, and runs the healthy version only.
  std::string failed;
  REQUIRE(wait_until(10s, [&] {
    for (int i : {0, 1}) {
      auto s = c.get(i, "/v1/services");
      if (!s || s->empty() || (*s)[0].value("deployment", Json()) != "reverted") return false;
      if ((*s)[0].value("version", "") != good) return false;
      failed = (*s)[0].value("reverted_from", "");
    }
    return live_hashes(c) == std::set<std::string>{good};
  }));
  CHECK(failed != good);
  CHECK((*c.get(1, "/v1/status"))["reverted"][0]["from"] == failed);

  auto [hist_rc, hist_out] = c.cli({"history", "web", "--json", "--api", api_addr(c, 1)});
  REQUIRE(hist_rc == 0);
  const Json h = Json::parse(hist_out);
  REQUIRE(h.size() == 2);
  CHECK(h[0]["spec_hash"] == good);
  CHECK(h[0]["outcome"] == "healthy");
  CHECK(h[1]["spec_hash"] == failed);
  CHECK(h[1]["outcome"] == "reverted");

  // Revert is a change: over TCP without the token it is refused, as apply; hostile bodies
  // on the socket are refused with 400, nothing written.
  auto tcp = shoal::node::http_call("127.0.0.1", c.peer(1).api_port, "POST", "/v1/revert",
                                    R"({"service":"web"})", "", 5000);
  REQUIRE(tcp.ok);
  CHECK(tcp.status == 403);
  const std::string sock = c.peer(1).dir + "/data/api.sock";
  for (const std::string& body : {std::string("not json"), std::string(R"({"service":5})"),
                                 std::string(R"({"service":"../x"})"),
                                 std::string(R"({"service":"web","to":")") + std::string(100, '9') + "\"}"}) {
    auto r = shoal::node::http_call_unix(sock, "POST", "/v1/revert", body, "", 5000);
    REQUIRE(r.ok);
    CHECK(r.status == 400);
  }
  CHECK(shoal::node::http_call_unix(sock, "POST", "/v1/revert", R"({"service":"nope"})", "", 5000).status == 404);
  CHECK((*c.get(1, "/v1/services"))[0].value("deployment", Json()) == "reverted");

  // `shoal revert` from the other peer: the healthy version is desired again (version 3),
  // nothing restarts, and the file on peer 0 keeps the failed version.
  auto [rev_rc, rev_out] = c.cli({"revert", "web", "--api", api_addr(c, 1)});
  INFO(rev_out);
  REQUIRE(rev_rc == 0);
  REQUIRE(wait_until(5s, [&] {
    auto s = c.get(0, "/v1/services");
    return s && !s->empty() && (*s)[0].value("deployment", Json()) == "healthy" &&
           (*s)[0].value("version", "") == good;
  }));
  const Json h3 = *c.get(0, "/v1/history/web");
  REQUIRE(h3.size() == 3);
  CHECK(h3[2]["spec_hash"] == good);
  CHECK(shoal::test::read_text(c.peer(0).dir + "/services/web.toml").find("false") != std::string::npos);
  CHECK(c.cli({"revert", "web", "--api", api}).first == 1);  // at the healthy version already
}
