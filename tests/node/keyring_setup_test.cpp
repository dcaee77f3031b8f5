// Gossip is always sealed: which keyring a peer uses, when it may create one, and when it must
// refuse to start.
#include <catch2/catch.hpp>

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "gossip/keyring.hpp"
#include "node/keyring_setup.hpp"
#include "node/persist.hpp"

using shoal::node::KeyringPlan;
using shoal::node::plan_keyring;

namespace {

shoal::config::PeerConfig peer(std::string keyring = "", bool insecure = false) {
  shoal::config::PeerConfig p;
  p.data_dir = "/d";
  p.security.keyring = std::move(keyring);
  p.security.insecure = insecure;
  return p;
}

}  // namespace

TEST_CASE("insecure is the only way to plaintext", "[node][keyring]") {
  CHECK(plan_keyring(peer("", true), false, true).kind == KeyringPlan::Kind::insecure);
  for (bool exists : {false, true}) {
    for (bool joins : {false, true}) {
      CHECK(plan_keyring(peer(), exists, joins).kind != KeyringPlan::Kind::insecure);
      CHECK(plan_keyring(peer("/k"), exists, joins).kind != KeyringPlan::Kind::insecure);
    }
  }
}

TEST_CASE("the default keyring lives in data_dir and only a founding peer creates it",
          "[node][keyring]") {
  auto found = plan_keyring(peer(), false, false);
  CHECK(found.kind == KeyringPlan::Kind::create);
  CHECK(found.path == "/d/keyring");
  auto joiner = plan_keyring(peer(), false, true);
  CHECK(joiner.kind == KeyringPlan::Kind::refuse);
  CHECK(joiner.message.find("/d/keyring") != std::string::npos);
  CHECK(joiner.message.find("insecure") != std::string::npos);
  auto existing = plan_keyring(peer(), true, true);
  CHECK(existing.kind == KeyringPlan::Kind::load);
  CHECK(existing.path == "/d/keyring");
}

TEST_CASE("a named keyring is never invented", "[node][keyring]") {
  auto missing = plan_keyring(peer("/etc/shoal/keyring"), false, false);
  CHECK(missing.kind == KeyringPlan::Kind::refuse);
  CHECK(missing.message.rfind("security.keyring: /etc/shoal/keyring does not exist", 0) == 0);
  CHECK(plan_keyring(peer("/etc/shoal/keyring"), true, false).kind == KeyringPlan::Kind::load);
}

TEST_CASE("create_keyring writes one valid key, 0600, and never overwrites", "[node][keyring]") {
  REQUIRE(sodium_init() >= 0);
  char tmpl[] = "/tmp/shoal-keyring-XXXXXX";
  REQUIRE(::mkdtemp(tmpl) != nullptr);
  const std::string path = std::string(tmpl) + "/keyring";
  REQUIRE(shoal::node::create_keyring(path).empty());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto text = shoal::node::read_file(path);
  REQUIRE(text);
  auto keys = shoal::gossip::parse_keyring(*text);
  REQUIRE(keys.ok());
  CHECK(keys.value().size() == 1);
  CHECK_FALSE(shoal::node::create_keyring(path).empty());  // exists: refused
  CHECK(shoal::node::read_file(path) == text);             // and untouched
  std::filesystem::remove_all(tmpl);
}
