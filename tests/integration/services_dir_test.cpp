// A peer's services folder through the real binary: apply writes it, a malformed edit changes
// nothing and shows in `status`, delete renames the file to NAME.toml.deleted.
#include <signal.h>

#include <catch2/catch.hpp>
#include <iterator>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "cluster.hpp"

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;

TEST_CASE("apply, a malformed edit, delete: services_dir and `shoal status`", "[integration]") {
  Cluster c(1);
  c.start(0);
  const std::string api = "127.0.0.1:" + std::to_string(c.peer(0).api_port);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));

  const std::string src = c.root() + "/web.toml";
  std::ofstream(src) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 3\n";
  auto [code, out] = c.cli({"apply", src, "--api", api});
  REQUIRE(code == 0);
  CHECK(out.find("applied web") != std::string::npos);
  const std::string placed = c.peer(0).dir + "/services/web.toml";
  CHECK(std::filesystem::exists(placed));
  auto st = c.get(0, "/v1/status");
  REQUIRE(st);
  CHECK((*st)["local_services"] == nlohmann::json::array({"web"}));
  CHECK((*st)["errors"].empty());

  // An invalid file is refused locally with path:line:col (exit 2), nothing is sent.
  const std::string bad = c.root() + "/bad.toml";
  std::ofstream(bad) << "[service.db]\nreplicas = \"x\"\ncommand = [\"true\"]\n";
  CHECK(c.cli({"apply", bad, "--api", api}).first == 2);

  // A malformed edit in the folder: the last good version stays, the error shows in status.
  std::ofstream(placed) << "[service.web]\nreplcas = 3\n";
  REQUIRE(wait_until(5s, [&] {
    auto s = c.get(0, "/v1/status");
    return s && !(*s)["errors"].empty();
  }));
  st = c.get(0, "/v1/status");
  CHECK((*st)["local_services"] == nlohmann::json::array({"web"}));
  bool positioned = false;
  for (const auto& e : (*st)["errors"]) {
    positioned |= e.get<std::string>().find("web.toml:2:1: unknown key `replcas`") !=
                  std::string::npos;
  }
  CHECK(positioned);

  // Fixed again, then deleted: the file becomes web.toml.deleted.
  std::ofstream(placed) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 2\n";
  REQUIRE(wait_until(5s, [&] {
    auto s = c.get(0, "/v1/status");
    return s && (*s)["errors"].empty();
  }));
  CHECK(c.cli({"delete", "web", "--api", api}).first == 0);
  CHECK(std::filesystem::exists(placed + ".deleted"));
  CHECK_FALSE(std::filesystem::exists(placed));
  st = c.get(0, "/v1/status");
  CHECK((*st)["local_services"].empty());
  CHECK(c.cli({"delete", "web", "--api", api}).first == 1);  // no such service any more

  // SIGHUP rescans at once (and does not stop the peer).
  ::kill(c.peer(0).pid, SIGHUP);
  CHECK(wait_until(5s, [&] {
    std::ifstream log(c.peer(0).log);
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    return text.find("SIGHUP: rescanning") != std::string::npos;
  }));
  CHECK(c.get(0, "/v1/status").has_value());
}
