// `shoal agent --dev`'s folders and peer file (the run itself: tests/integration/dev_agent_test).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "config/parse.hpp"
#include "node/dev_agent.hpp"
#include "node/persist.hpp"

using namespace shoal;

TEST_CASE("dev agent: a fresh private folder with a valid loopback peer file", "[node][dev]") {
  const auto tmp = std::filesystem::temp_directory_path();
  node::DevFolders a, b;
  REQUIRE(node::make_dev_folders(tmp, node::DevOptions{}, a) == "");
  REQUIRE(node::make_dev_folders(tmp, node::DevOptions{}, b) == "");
  CHECK(a.root != b.root);  // every run its own (mkdtemp)
  struct stat st {};
  REQUIRE(::stat(a.data_dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(std::filesystem::is_directory(a.services_dir));
  const auto text = node::read_file(a.config);
  REQUIRE(text);
  auto p = config::parse_peer_file(*text, a.config);
  REQUIRE(p.ok());
  CHECK(p.value->bind.to_string() == "127.0.0.1:7950");
  CHECK(p.value->api.listen.to_string() == "127.0.0.1:7951");
  CHECK(p.value->data_dir == a.data_dir);
  CHECK(p.value->services_dir == a.services_dir);
  CHECK(p.value->gossip.profile == "fast");
  CHECK(p.value->runtime.driver == "process");
  CHECK(p.value->security.keyring.empty());  // data_dir/keyring: the founding peer makes it
  CHECK_FALSE(p.value->security.insecure);
  CHECK(p.value->join.empty());
  std::filesystem::remove_all(a.root);
  std::filesystem::remove_all(b.root);
  CHECK(node::make_dev_folders("/nonexistent-shoal", node::DevOptions{}, a).find(
            "/nonexistent-shoal/shoal-dev-") == 0);
}
