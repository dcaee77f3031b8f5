// node/peer_identity: the persisted name (data_dir/name) and what a start under a name decides.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "node/peer_identity.hpp"

using shoal::node::decide_identity;
using shoal::node::name_file_path;
using shoal::node::NameFile;
using shoal::node::read_name_file;
using shoal::node::write_name_file;

namespace {

struct IdentityDir {
  std::string path;
  IdentityDir() {
    std::string t = (std::filesystem::temp_directory_path() / "shoal-identity-XXXXXX").string();
    path = ::mkdtemp(t.data());
  }
  ~IdentityDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

}  // namespace

TEST_CASE("name file: missing, written 0600, read back") {
  IdentityDir d;
  const std::string p = name_file_path(d.path);
  CHECK(p == d.path + "/name");
  CHECK(read_name_file(p).kind == NameFile::Kind::missing);
  REQUIRE(write_name_file(p, "host-a").empty());
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  NameFile f = read_name_file(p);
  CHECK(f.kind == NameFile::Kind::ok);
  CHECK(f.name == "host-a");
  // Replaced whole: a shorter name leaves nothing of the longer one.
  REQUIRE(write_name_file(p, "b").empty());
  CHECK(read_name_file(p).name == "b");
}

TEST_CASE("name file: damaged or hostile content is refused with a reason, never trusted") {
  IdentityDir d;
  const std::string p = name_file_path(d.path);
  struct Case {
    std::string bytes;
    std::string why;
  };
  const Case cases[] = {
      {"", "empty"},
      {"\n", "empty"},
      {std::string(64, 'a'), "longer than 63"},
      {std::string(1 << 20, 'a'), "larger than"},          // 1 MB: read with a bound
      {"host\xff\xfe-a\n", "may only contain"},             // not UTF-8
      {"host a\n", "may only contain"},
      {"host-a\nhost-b\n", "may only contain"},             // two lines
      {std::string("ho\0st", 5), "may only contain"},       // a NUL byte
      {"host-a\n\n", "may only contain"},
  };
  for (const auto& c : cases) {
    write_raw(p, c.bytes);
    NameFile f = read_name_file(p);
    INFO(c.why);
    CHECK(f.kind == NameFile::Kind::damaged);
    CHECK(f.why.find(c.why) != std::string::npos);
    CHECK(f.name.empty());
  }
  // A symlink (to anything) is not followed; a FIFO does not block the start.
  std::filesystem::remove(p);
  std::filesystem::create_symlink(d.path + "/elsewhere", p);
  write_raw(d.path + "/elsewhere", "host-a\n");
  CHECK(read_name_file(p).kind == NameFile::Kind::damaged);
  std::filesystem::remove(p);
  REQUIRE(::mkfifo(p.c_str(), 0600) == 0);
  CHECK(read_name_file(p).kind == NameFile::Kind::damaged);
  // A folder where the file should be: unreadable, refused.
  std::filesystem::remove(p);
  std::filesystem::create_directory(p);
  CHECK(read_name_file(p).kind == NameFile::Kind::damaged);
}

TEST_CASE("identity: first start writes, the same name starts, another name is refused") {
  const std::string p = "/d/name";
  auto first = decide_identity(NameFile{NameFile::Kind::missing, "", ""}, p, "host-a", false);
  CHECK(first.error.empty());
  CHECK(first.write);
  CHECK_FALSE(first.old_name);

  NameFile ok{NameFile::Kind::ok, "host-a", ""};
  auto same = decide_identity(ok, p, "host-a", false);
  CHECK(same.error.empty());
  CHECK_FALSE(same.write);
  CHECK_FALSE(same.old_name);
  // --rename under the same name: nothing to take over.
  auto same_r = decide_identity(ok, p, "host-a", true);
  CHECK(same_r.error.empty());
  CHECK_FALSE(same_r.write);
  CHECK_FALSE(same_r.old_name);

  auto other = decide_identity(ok, p, "host-b", false);
  REQUIRE_FALSE(other.error.empty());
  CHECK(other.error.find("`host-a`") != std::string::npos);
  CHECK(other.error.find("`host-b`") != std::string::npos);
  CHECK(other.error.find(p) != std::string::npos);
  CHECK(other.error.find("--rename") != std::string::npos);
  CHECK_FALSE(other.write);
}

TEST_CASE("identity: --rename takes over the old name, then writes the new one") {
  NameFile ok{NameFile::Kind::ok, "host-a", ""};
  auto r = decide_identity(ok, "/d/name", "host-b", true);
  CHECK(r.error.empty());
  CHECK(r.write);
  REQUIRE(r.old_name);
  CHECK(*r.old_name == "host-a");
  CHECK(r.note.find("host-a") != std::string::npos);
}

TEST_CASE("identity: a damaged file refuses a start, --rename replaces it, taking nothing over") {
  NameFile bad{NameFile::Kind::damaged, "", "it is empty"};
  auto refused = decide_identity(bad, "/d/name", "host-a", false);
  REQUIRE_FALSE(refused.error.empty());
  CHECK(refused.error.find("/d/name") != std::string::npos);
  CHECK(refused.error.find("it is empty") != std::string::npos);
  CHECK(refused.error.find("--rename") != std::string::npos);
  auto replaced = decide_identity(bad, "/d/name", "host-a", true);
  CHECK(replaced.error.empty());
  CHECK(replaced.write);
  CHECK_FALSE(replaced.old_name);
}
