// ServicesDir: content-hash change detection, last good version kept, home_peer, duplicates.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

#include "node/services_dir.hpp"

TEST_CASE("services_dir: parse on change, keep the last good version, set home_peer",
          "[node][services]") {
  namespace fs = std::filesystem;
  const std::string dir =
      fs::temp_directory_path() / ("shoal-services-dir-test-" + std::to_string(::getpid()));
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
  CHECK_FALSE(sd.scan());  // one listing without it is not yet evidence
  CHECK(sd.services().size() == 2);
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

// --- positive evidence only (issue 14 item 1) ------------------------------------------------

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

// A fresh folder holding web.toml and db.toml, scanned twice.
std::string two_services(const std::string& name, shoal::node::ServicesDir*& out) {
  const std::string dir = fs::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::remove_all(dir + ".away");
  fs::create_directories(dir);
  std::ofstream(dir + "/web.toml") << "[service.web]\ncommand = [\"x\"]\n";
  std::ofstream(dir + "/db.toml") << "[service.db]\ncommand = [\"y\"]\n";
  out = new shoal::node::ServicesDir(dir, "peer-a");
  out->scan();
  out->scan();
  return dir;
}

bool errors_mention(const shoal::node::ServicesDir& sd, const std::string& what) {
  for (const auto& e : sd.errors()) {
    if (e.find(what) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("services_dir: a folder renamed away and back changes nothing", "[node][services]") {
  shoal::node::ServicesDir* p = nullptr;
  const std::string dir = two_services("shoal-sd-rename", p);
  std::unique_ptr<shoal::node::ServicesDir> sd(p);
  REQUIRE(sd->services().size() == 2);
  REQUIRE(sd->listed_twice());
  fs::rename(dir, dir + ".away");
  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(sd->scan());
    CHECK(sd->services().size() == 2);
  }
  CHECK(errors_mention(*sd, dir + ": cannot list services_dir"));
  fs::rename(dir + ".away", dir);
  CHECK_FALSE(sd->scan());
  CHECK(sd->services().size() == 2);
  CHECK(sd->errors().empty());
  fs::remove_all(dir);
}

TEST_CASE("services_dir: a folder replaced by a file changes nothing", "[node][services]") {
  shoal::node::ServicesDir* p = nullptr;
  const std::string dir = two_services("shoal-sd-file", p);
  std::unique_ptr<shoal::node::ServicesDir> sd(p);
  fs::rename(dir, dir + ".away");
  std::ofstream(dir) << "not a folder\n";
  CHECK_FALSE(sd->scan());
  CHECK_FALSE(sd->scan());
  CHECK(sd->services().size() == 2);
  CHECK(errors_mention(*sd, dir + ": cannot list services_dir"));
  fs::remove(dir);
  fs::remove_all(dir + ".away");
}

TEST_CASE("services_dir: missing at start is an error, never an empty folder",
          "[node][services]") {
  const std::string dir = fs::temp_directory_path() / "shoal-sd-missing";
  fs::remove_all(dir);
  shoal::node::ServicesDir sd(dir + "/", "peer-a");  // trailing slash: normalised
  CHECK(sd.dir() == dir);
  CHECK_FALSE(sd.scan());
  CHECK_FALSE(sd.scan());
  CHECK_FALSE(sd.listed_twice());  // the agent erases nothing it published before
  CHECK(errors_mention(sd, dir + ": cannot list services_dir"));
  fs::create_directories(dir);
  std::ofstream(dir + "/web.toml") << "[service.web]\ncommand = [\"x\"]\n";
  CHECK(sd.scan());
  CHECK_FALSE(sd.listed_twice());
  CHECK(sd.scan() == false);
  CHECK(sd.listed_twice());
  CHECK(sd.errors().empty());
  CHECK(sd.file_of("web") == sd.path_of("web.toml"));

  // A fresh start: before two listings nothing absent is gone, except what forget() dropped.
  shoal::node::ServicesDir fresh(dir, "peer-a");
  std::ofstream(dir + "/db.toml") << "[service.db]\ncommand = [\"y\"]\n";
  fresh.scan();
  CHECK_FALSE(fresh.gone("old"));  // published at an earlier run, not listed now
  fs::rename(dir + "/db.toml", dir + "/db.toml.deleted");
  fresh.forget(fresh.path_of("db.toml"));  // `shoal delete`
  CHECK(fresh.gone("db"));
  CHECK_FALSE(fresh.gone("old"));
  fresh.scan();
  CHECK(fresh.gone("old"));
  fs::remove_all(dir);
}

TEST_CASE("services_dir: a file is gone after two clean listings, or forget()",
          "[node][services]") {
  shoal::node::ServicesDir* p = nullptr;
  const std::string dir = two_services("shoal-sd-remove", p);
  std::unique_ptr<shoal::node::ServicesDir> sd(p);
  fs::remove(dir + "/db.toml");
  CHECK_FALSE(sd->scan());
  CHECK(sd->services().size() == 2);
  // A failed listing in between is no evidence either way.
  fs::rename(dir, dir + ".away");
  CHECK_FALSE(sd->scan());
  fs::rename(dir + ".away", dir);
  CHECK(sd->scan());
  REQUIRE(sd->services().size() == 1);
  CHECK(sd->services()[0].name == "web");
  // Back after one listing without it: never dropped.
  fs::rename(dir + "/web.toml", dir + "/web.away");
  CHECK_FALSE(sd->scan());
  fs::rename(dir + "/web.away", dir + "/web.toml");
  CHECK_FALSE(sd->scan());
  CHECK_FALSE(sd->scan());
  CHECK(sd->services().size() == 1);
  // forget(): the caller renamed it itself (`shoal delete`).
  fs::rename(dir + "/web.toml", dir + "/web.toml.deleted");
  sd->forget(sd->path_of("web.toml"));
  CHECK(sd->services().empty());
  fs::remove_all(dir);
}

TEST_CASE("services_dir: a file that cannot be read keeps its last version",
          "[node][services]") {
  shoal::node::ServicesDir* p = nullptr;
  const std::string dir = two_services("shoal-sd-unreadable", p);
  std::unique_ptr<shoal::node::ServicesDir> sd(p);
  // root reads mode-000 files; reading /proc/self/mem at offset 0 fails (EIO) for anyone.
  fs::create_symlink("/proc/self/mem", dir + "/tmp-link");
  fs::rename(dir + "/tmp-link", dir + "/db.toml");
  CHECK_FALSE(sd->scan());
  CHECK_FALSE(sd->scan());
  CHECK(sd->services().size() == 2);
  CHECK(errors_mention(*sd, dir + "/db.toml: cannot read:"));
  fs::remove(dir + "/db.toml");
  std::ofstream(dir + "/db.toml") << "[service.db]\ncommand = [\"y\"]\n";
  CHECK_FALSE(sd->scan());
  CHECK(sd->errors().empty());
  fs::remove_all(dir);
}

TEST_CASE("services_dir: EMFILE while listing changes nothing", "[node][services]") {
  shoal::node::ServicesDir* p = nullptr;
  const std::string dir = two_services("shoal-sd-emfile", p);
  std::unique_ptr<shoal::node::ServicesDir> sd(p);
  // In a child: lower RLIMIT_NOFILE, fill every descriptor, scan. Exit code = what went wrong.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    rlimit lim{64, 64};
    if (::setrlimit(RLIMIT_NOFILE, &lim) != 0) ::_exit(10);
    while (::open("/dev/null", O_RDONLY) >= 0) {
    }
    if (errno != EMFILE) ::_exit(11);
    if (sd->scan()) ::_exit(12);
    if (sd->services().size() != 2) ::_exit(13);
    if (!errors_mention(*sd, "cannot list services_dir")) ::_exit(14);
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  fs::remove_all(dir);
}

TEST_CASE("services_dir: scans woken by events take changes but are no evidence of absence",
          "[node][services]") {
  shoal::node::ServicesDir* p = nullptr;
  const std::string dir = two_services("shoal-sd-events", p);
  std::unique_ptr<shoal::node::ServicesDir> sd(p);
  // An editor's save: the file renamed away, a burst of events, each waking a scan.
  fs::rename(dir + "/db.toml", dir + "/db.toml~");
  for (int i = 0; i < 5; ++i) CHECK_FALSE(sd->scan(false));
  CHECK(sd->services().size() == 2);
  std::ofstream(dir + "/db.toml") << "[service.db]\ncommand = [\"z\"]\n";
  CHECK(sd->scan(false));  // the new content is taken at once
  CHECK(sd->services()[0].command == std::vector<std::string>{"z"});
  std::ofstream(dir + "/new.toml") << "[service.new]\ncommand = [\"n\"]\n";
  CHECK(sd->scan(false));
  CHECK(sd->services().size() == 3);
  fs::remove(dir + "/new.toml");
  CHECK_FALSE(sd->scan(true));
  CHECK_FALSE(sd->scan(false));
  CHECK(sd->scan(true));  // the second timed listing without it
  CHECK(sd->services().size() == 2);
  fs::remove_all(dir);
}
