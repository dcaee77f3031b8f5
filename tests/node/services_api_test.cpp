// ServicesApi: apply, plan and delete against a real services folder (a fresh temp dir).
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "node/services_api.hpp"

using namespace shoal::node;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Folder {
  std::string dir;
  Folder() {
    std::string t = (fs::temp_directory_path() / "shoal-services-api-XXXXXX").string();
    REQUIRE(mkdtemp(t.data()) != nullptr);
    dir = t;
  }
  ~Folder() { fs::remove_all(dir); }
};

HttpRequest post(std::string body) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/v1/apply";
  r.body = std::move(body);
  return r;
}

struct ApiFixture {
  Folder folder;
  ServicesDir dir{folder.dir, "peer-a"};
  int rescans = 0;
  std::vector<std::string> erased;
  ServicesApi api{dir, "peer-a", 10, hooks()};

  ServicesApi::Hooks hooks() {
    ServicesApi::Hooks h;
    h.rescan = [this] {
      ++rescans;
      dir.scan(false);
    };
    h.erase_spec = [this](const std::string& n) {
      if (n != "remote") return false;
      erased.push_back(n);
      return true;
    };
    h.plan = [](const std::vector<shoal::config::ServiceSpec>&) { return ApplyPlan{}; };
    h.clock_warning = [] { return std::string(); };
    return h;
  }
};

}  // namespace

TEST_CASE("services api: apply writes the file and rescans, plan writes nothing",
          "[node][services]") {
  ApiFixture f;
  const std::string body = Json{{"file", "web.toml"}, {"content", "[service.web]\ncommand = [\"x\"]\n"}}.dump();
  HttpRequest plan = post(body);
  CHECK(f.api.plan(plan).status == 200);
  CHECK_FALSE(fs::exists(f.folder.dir + "/web.toml"));
  const HttpResponse r = f.api.apply(post(body));
  REQUIRE(r.status == 200);
  CHECK(Json::parse(r.body)["services"] == Json::array({"web"}));
  CHECK(fs::exists(f.folder.dir + "/web.toml"));
  CHECK(f.rescans == 1);
  CHECK(f.dir.file_of("web") == f.folder.dir + "/web.toml");
}

TEST_CASE("services api: a name another file defines is a conflict, nothing written",
          "[node][services]") {
  ApiFixture f;
  std::ofstream(f.folder.dir + "/a.toml") << "[service.web]\ncommand = [\"x\"]\n";
  f.dir.scan(false);
  const auto r = f.api.apply(post(Json{{"file", "b.toml"}, {"content", "[service.web]\ncommand = [\"y\"]\n"}}.dump()));
  CHECK(r.status == 409);
  CHECK_FALSE(fs::exists(f.folder.dir + "/b.toml"));
}

TEST_CASE("services api: delete renames a file, refuses a shared one, erases a remote spec",
          "[node][services]") {
  ApiFixture f;
  std::ofstream(f.folder.dir + "/one.toml") << "[service.web]\ncommand = [\"x\"]\n";
  std::ofstream(f.folder.dir + "/two.toml")
      << "[service.db]\ncommand = [\"x\"]\n[service.cache]\ncommand = [\"y\"]\n";
  f.dir.scan(false);
  CHECK(f.api.remove("db").status == 409);
  CHECK(fs::exists(f.folder.dir + "/two.toml"));
  CHECK(f.api.remove("web").status == 200);
  CHECK(fs::exists(f.folder.dir + "/one.toml.deleted"));
  CHECK_FALSE(fs::exists(f.folder.dir + "/one.toml"));
  CHECK(f.api.remove("remote").status == 200);
  CHECK(f.erased == std::vector<std::string>{"remote"});
  CHECK(f.api.remove("nothing").status == 404);
}
