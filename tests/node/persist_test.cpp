// Modes of the files under data_dir (issue 13 "files private"): new files 0600, replaced files
// keep their mode (minus group/other bits for data_dir files), data_dir tightened to 0700.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>

#include "node/persist.hpp"

namespace fs = std::filesystem;
using shoal::node::FileMode;

namespace {

unsigned mode_of(const std::string& p) {
  struct stat st;
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

struct PersistDir {
  std::string path;
  PersistDir() {
    char t[] = "/tmp/shoal-persist-XXXXXX";
    REQUIRE(::mkdtemp(t) != nullptr);
    path = t;
  }
  ~PersistDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("write_file_atomic: new files 0600 whatever the umask, old modes kept or narrowed",
          "[node][persist][files]") {
  PersistDir d;
  const mode_t old_umask = ::umask(0);  // the loosest umask: the mode must not depend on it
  const std::string f = d.path + "/state";
  REQUIRE(shoal::node::write_file_atomic(f, "a").empty());
  CHECK(mode_of(f) == 0600);
  ::umask(old_umask);

  ::chmod(f.c_str(), 0644);  // as an older version wrote it
  REQUIRE(shoal::node::write_file_atomic(f, "b").empty());
  CHECK(mode_of(f) == 0600);  // data_dir files never looser than 0600
  CHECK(*shoal::node::read_file(f) == "b");

  const std::string ring = d.path + "/keyring";
  REQUIRE(shoal::node::write_file_atomic(ring, "k1", FileMode::keep).empty());
  CHECK(mode_of(ring) == 0600);
  REQUIRE(shoal::node::write_file_atomic(ring, "k2", FileMode::keep).empty());
  CHECK(mode_of(ring) == 0600);
  ::chmod(ring.c_str(), 0640);  // an operator shared it with a group on purpose
  REQUIRE(shoal::node::write_file_atomic(ring, "k3", FileMode::keep).empty());
  CHECK(mode_of(ring) == 0640);
  ::chmod(ring.c_str(), 0400);
  REQUIRE(shoal::node::write_file_atomic(ring, "k4", FileMode::keep).empty());
  CHECK(mode_of(ring) == 0400);
  CHECK(*shoal::node::read_file(ring) == "k4");
}

TEST_CASE("make_private_dir: created 0700, a looser one tightened with a warning",
          "[node][persist][files]") {
  PersistDir d;
  std::string warning;
  const std::string fresh = d.path + "/a/data";
  REQUIRE(shoal::node::make_private_dir(fresh, warning).empty());
  CHECK(mode_of(fresh) == 0700);
  CHECK(warning.empty());

  const std::string old = d.path + "/old";
  fs::create_directories(old);
  ::chmod(old.c_str(), 0755);
  REQUIRE(shoal::node::make_private_dir(old, warning).empty());
  CHECK(mode_of(old) == 0700);
  CHECK(warning == old + " was mode 0755 (readable by others): now 0700, as every file in it "
                         "is private");
  REQUIRE(shoal::node::make_private_dir(old, warning).empty());
  CHECK(warning.empty());

  const std::string file = d.path + "/file";
  REQUIRE(shoal::node::write_file_atomic(file, "x").empty());
  CHECK_FALSE(shoal::node::make_private_dir(file, warning).empty());
}

TEST_CASE("loose_mode_warning names the file, its mode and the fix", "[node][persist][files]") {
  PersistDir d;
  const std::string t = d.path + "/token";
  REQUIRE(shoal::node::write_file_atomic(t, "s").empty());
  CHECK(shoal::node::loose_mode_warning(t, "api.token_file").empty());
  ::chmod(t.c_str(), 0604);
  CHECK(shoal::node::loose_mode_warning(t, "api.token_file") ==
        "api.token_file " + t + " is mode 0604: group or others may read it; run `chmod 600 " +
            t + "`");
  ::chmod(t.c_str(), 0640);
  CHECK_FALSE(shoal::node::loose_mode_warning(t, "x").empty());
  CHECK(shoal::node::loose_mode_warning(d.path + "/missing", "x").empty());
}
