// shoal keygen and shoal keys on a local keyring file.
#include <unistd.h>

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "node/cli.hpp"
#include "node/persist.hpp"

namespace {

struct Out {
  int code;
  std::string out, err;
};

Out run_keys(std::vector<std::string> args) {
  std::ostringstream o, e;
  int code = shoal::node::run_cli(args, o, e);
  return {code, o.str(), e.str()};
}

std::string line1(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

TEST_CASE("keygen prints a fresh 32-byte base64 key, keys install/use/remove/list edit the ring",
          "[node][cli][keys]") {
  auto k1 = run_keys({"keygen"});
  auto k2 = run_keys({"keygen"});
  REQUIRE(k1.code == 0);
  const std::string a = line1(k1.out), b = line1(k2.out);
  CHECK(a.size() == 44);  // base64 of 32 bytes
  CHECK(a != b);

  const std::string dir =
      std::filesystem::temp_directory_path() / ("shoal-keys-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string ring = dir + "/keyring";
  CHECK(run_keys({"keys", "install", a, "--keyring", ring}).code == 0);  // creates the file
  CHECK(run_keys({"keys", "install", b, "--keyring", ring}).code == 0);
  auto l = run_keys({"keys", "list", "--keyring", ring});
  REQUIRE(l.code == 0);
  CHECK(l.out == a + "  (primary)\n" + b + "\n");
  CHECK(run_keys({"keys", "remove", a, "--keyring", ring}).code == 1);  // the primary: refused
  CHECK(run_keys({"keys", "use", b, "--keyring", ring}).code == 0);
  CHECK(run_keys({"keys", "remove", a, "--keyring", ring}).code == 0);
  CHECK(run_keys({"keys", "list", "--keyring", ring}).out == b + "  (primary)\n");
  CHECK(run_keys({"keys", "install", "not-a-key", "--keyring", ring}).code == 2);
  CHECK(run_keys({"keys", "frob", "--keyring", ring}).code == 2);
  // No keyring named: the cluster through the API (nobody answers on port 1).
  auto unreachable = run_keys({"keys", "list", "--api", "127.0.0.1:1"});
  CHECK(unreachable.code == 1);
  CHECK(unreachable.err.find("cannot reach the peer") != std::string::npos);
  CHECK(run_keys({"keys", "install", "--api", "127.0.0.1:1"}).code == 2);  // needs a KEY
  CHECK(run_keys({"keys", "list", a, "--api", "127.0.0.1:1"}).code == 2);  // takes none
  std::filesystem::remove_all(dir);
}

TEST_CASE("keys install|use|remove keep a 0600 keyring 0600", "[node][cli][keys][files]") {
  const std::string dir =
      std::filesystem::temp_directory_path() /
      ("shoal-keys-mode-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string ring = dir + "/keyring";
  auto mode = [&] {
    struct stat st;
    REQUIRE(::stat(ring.c_str(), &st) == 0);
    return st.st_mode & 07777;
  };
  const std::string a = line1(run_keys({"keygen"}).out), b = line1(run_keys({"keygen"}).out);
  REQUIRE(shoal::node::write_file_atomic(ring, a + "\n").empty());
  ::chmod(ring.c_str(), 0600);
  REQUIRE(run_keys({"keys", "install", b, "--keyring", ring}).code == 0);
  CHECK(mode() == 0600);
  REQUIRE(run_keys({"keys", "use", b, "--keyring", ring}).code == 0);
  CHECK(mode() == 0600);
  REQUIRE(run_keys({"keys", "remove", a, "--keyring", ring}).code == 0);
  CHECK(mode() == 0600);
  const std::string fresh = dir + "/new-keyring";  // created by install: 0600 too
  REQUIRE(run_keys({"keys", "install", a, "--keyring", fresh}).code == 0);
  struct stat st;
  REQUIRE(::stat(fresh.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  std::filesystem::remove_all(dir);
}

TEST_CASE("agent: a bad peer file is bad input (exit 2, path:line:col)", "[node][cli][agent]") {
  const std::string dir =
      std::filesystem::temp_directory_path() / ("shoal-agent-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string p = dir + "/peer.toml";
  REQUIRE(shoal::node::write_file_atomic(p, "name = \"x\"\nbnd = \"1.2.3.4:5\"\n").empty());
  auto r = run_keys({"agent", "--config", p});
  CHECK(r.code == 2);
  CHECK(r.err.rfind(p + ":2:1:", 0) == 0);
  auto missing = run_keys({"agent", "--config", dir + "/nope.toml"});
  CHECK(missing.code == 2);
  CHECK(run_keys({"agent"}).code == 2);
  std::filesystem::remove_all(dir);
}
