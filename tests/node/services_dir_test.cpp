// ServicesDir: content-hash change detection, last good version kept, home_peer, duplicates.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "node/services_dir.hpp"

TEST_CASE("services_dir: parse on change, keep the last good version, set home_peer",
          "[node][services]") {
  namespace fs = std::filesystem;
  const std::string dir = fs::temp_directory_path() / "shoal-services-dir-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  shoal::node::ServicesDir sd(dir, "peer-a");
  CHECK_FALSE(sd.scan());
  CHECK(sd.services().empty());

  std::ofstream(dir + "/a.toml") << "[service.web]\ncommand = [\"x\"]\n"
                                    "placement = { home = true }\n"
                                    "[service.db]\ncommand = [\"y\"]\n";
  CHECK(sd.scan());
  auto s = sd.services();
  REQUIRE(s.size() == 2);
  CHECK(s[0].name == "db");
  CHECK(s[0].home_peer.empty());
  CHECK(s[1].name == "web");
  CHECK(s[1].home_peer == "peer-a");
  CHECK(sd.file_of("web") == dir + "/a.toml");
  CHECK_FALSE(sd.scan());  // unchanged content: no change

  std::ofstream(dir + "/a.toml") << "[service.web]\nreplicas = -1\n";
  CHECK_FALSE(sd.scan());  // broken: the last good version stays
  CHECK(sd.services().size() == 2);
  REQUIRE_FALSE(sd.errors().empty());
  for (const auto& e : sd.errors()) CHECK(e.rfind(dir + "/a.toml:", 0) == 0);
  const std::size_t parse_errors = sd.errors().size();

  std::ofstream(dir + "/b.toml") << "[service.db]\ncommand = [\"z\"]\n";
  sd.scan();
  CHECK(sd.errors().size() == parse_errors + 1);  // + db defined twice (a.toml wins)
  CHECK(sd.file_of("db") == dir + "/a.toml");

  fs::remove(dir + "/a.toml");
  CHECK(sd.scan());
  REQUIRE(sd.services().size() == 1);
  CHECK(sd.services()[0].command == std::vector<std::string>{"z"});
  CHECK(sd.errors().empty());
  fs::remove_all(dir);

  CHECK(shoal::node::safe_service_file_name("web.toml"));
  CHECK_FALSE(shoal::node::safe_service_file_name("../web.toml"));
  CHECK_FALSE(shoal::node::safe_service_file_name(".toml"));
  CHECK_FALSE(shoal::node::safe_service_file_name("web.txt"));
}
