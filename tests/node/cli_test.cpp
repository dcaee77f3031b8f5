// The `shoal` command line as a function: exit codes, stdout/stderr, and the check JSON shape.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "node/cli.hpp"
#include "node/cli_check.hpp"

using namespace shoal;
using node::ConfigJson;

namespace {

struct Run {
  int code;
  std::string out;
  std::string err;
};

Run run(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int code = node::run_cli(args, out, err);
  return Run{code, out.str(), err.str()};
}

// A scratch directory for files, removed at the end of each test.
struct CliDir {
  std::filesystem::path path;
  CliDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("shoal-cli-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(path);
  }
  ~CliDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path / name;
    std::ofstream(p) << text;
    return p.string();
  }
};

const std::string kExamples = std::string(SHOAL_SOURCE_DIR) + "/examples/";

}  // namespace

TEST_CASE("shoal version prints the version, commit, protocol and algorithm", "[node][cli]") {
  const Run r = run({"version"});
  CHECK(r.code == 0);
  CHECK(r.out.rfind("shoal 0.1.0\ncommit: ", 0) == 0);  // the first line as before
  CHECK(r.out.find("\ngossip protocol: 1\nplacement algorithm: 2\n") != std::string::npos);
  CHECK(r.err.empty());
  CHECK(run({"--version"}).out == r.out);
  const Run j = run({"version", "--json"});
  CHECK(j.code == 0);
  const ConfigJson v = ConfigJson::parse(j.out);
  CHECK(v["version"] == "0.1.0");
  CHECK(v["gossip_protocol"] == 1);
  CHECK(v["placement_algorithm"] == 2);
  CHECK(r.out.find("commit: " + v["commit"].get<std::string>() + "\n") != std::string::npos);
}

TEST_CASE("help exits 0 and names the subcommands", "[node][cli]") {
  const Run top = run({"--help"});
  CHECK(top.code == 0);
  CHECK(top.out.find("check") != std::string::npos);
  CHECK(top.out.find("version") != std::string::npos);
  const Run check = run({"check", "--help"});
  CHECK(check.code == 0);
  CHECK(check.out.find("Usage: shoal check") != std::string::npos);
  CHECK(check.out.find("--json") != std::string::npos);
}

TEST_CASE("bad command lines exit 2 with a message", "[node][cli]") {
  const Run unknown = run({"frobnicate"});
  CHECK(unknown.code == 2);
  CHECK(unknown.err ==
        "shoal: unknown command `frobnicate` (commands: agent, members, services, ps, endpoints, what-if, events, logs, top, status, apply, history, revert, promote, delete, check, convert, keygen, keys, version; see `shoal --help`)\n");
  CHECK(unknown.out.empty());
  // Missing arguments (`agent` without --config, ...) and unknown flags are bad input.
  for (const char* later : {"agent", "apply", "delete", "promote"}) CHECK(run({later}).code == 2);
  CHECK(run({"promote", "web", "extra"}).code == 2);
  CHECK(run({"promote", "web", "--bogus"}).code == 2);
  CHECK(run({"services", "--bogus"}).code == 2);
  CHECK(run({"ps", "--api", "no-port"}).code == 2);
  const Run none = run({});
  CHECK(none.code == 2);
  CHECK(none.err.find("Usage: shoal") != std::string::npos);
  const Run no_files = run({"check"});
  CHECK(no_files.code == 2);
  CHECK(no_files.err == "shoal check: FILE is required (see `shoal check --help`)\n");
  CHECK(run({"--bogus"}).code == 2);
}

TEST_CASE("check: valid files exit 0 with one ok line each", "[node][cli]") {
  CliDir dir;
  const std::string svc =
      dir.write("svc.toml", "[service.web]\nimage = \"nginx\"\n[service.api]\ncommand = [\"a\"]\n");
  const std::string peer = dir.write("peer.toml", "name = \"host-a\"\n");
  const std::string empty = dir.write("empty.toml", "");
  const Run r = run({"check", svc, peer, empty});
  CHECK(r.code == 0);
  CHECK(r.out == svc + ": ok (service api, web)\n" + peer + ": ok (peer host-a)\n" + empty +
                     ": ok (peer)\n");
  CHECK(r.err.empty());
}

TEST_CASE("check: an invalid file exits 2 with path:line:col lines on stderr", "[node][cli]") {
  CliDir dir;
  const std::string good = dir.write("good.toml", "[service.web]\nimage = \"nginx\"\n");
  const std::string bad = dir.write(
      "bad.toml", "[service.web]\nimage = \"nginx\"\nreplicas = -1\nreplcas = 2\n");
  const std::string typo = dir.write("typo.toml", "[servce.web]\nimage = \"nginx\"\n");
  const Run r = run({"check", good, bad, typo});
  CHECK(r.code == 2);
  CHECK(r.out == good + ": ok (service web)\n");
  CHECK(r.err == bad + ":3:12: replicas must be >= 0\n" + bad +
                     ":4:1: unknown key `replcas` in service.web (did you mean `replicas`?)\n" +
                     typo + ":1:2: unknown key `servce` (did you mean `service`?)\n");
}

TEST_CASE("check: a health timeout that is not below its interval exits 2", "[node][cli]") {
  CliDir dir;
  const std::string bad = dir.write(
      "slow.toml", "[service.web]\ncommand = [\"sleep\", \"9\"]\n"
                   "health = { exec = [\"true\"], interval = \"1s\", timeout = \"10s\" }\n");
  const Run r = run({"check", bad});
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == bad + ":3:56: health.timeout (10s) must be less than health.interval (1s)\n");
}

TEST_CASE("check: an unreadable file exits 2", "[node][cli]") {
  CliDir dir;
  const std::string missing = (dir.path / "missing.toml").string();
  const Run r = run({"check", missing});
  CHECK(r.code == 2);
  CHECK(r.err == missing + ": cannot read file: No such file or directory\n");
  const Run d = run({"check", dir.path.string()});
  CHECK(d.code == 2);
  CHECK(d.err == dir.path.string() + ": cannot read file: is a directory\n");
}

TEST_CASE("check --json: one object per file with file, kind, value (and errors)",
          "[node][cli]") {
  CliDir dir;
  const std::string svc = dir.write(
      "svc.toml",
      "[service.web]\nimage = \"nginx\"\nstop_grace = \"1m30s\"\n"
      "resources = { cpu = \"250m\", memory = \"512MiB\" }\n");
  const std::string peer = dir.write("peer.toml", "zone = \"eu-1\"\n");
  const std::string bad = dir.write("bad.toml", "bind = \"nohost\"\nzone = 3\n");
  const std::string missing = (dir.path / "missing.toml").string();
  const Run r = run({"check", "--json", svc, peer, bad, missing});
  CHECK(r.code == 2);
  CHECK(r.err.empty());
  const ConfigJson j = ConfigJson::parse(r.out);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 4);

  CHECK(j[0]["file"] == svc);
  CHECK(j[0]["kind"] == "service");
  CHECK_FALSE(j[0].contains("errors"));
  CHECK(j[0]["value"]["web"]["stop_grace_ms"] == 90000);
  CHECK(j[0]["value"]["web"]["resources"]["cpu_milli"] == 250);
  CHECK(j[0]["value"]["web"]["resources"]["memory_mib"] == 512);

  CHECK(j[1]["kind"] == "peer");
  CHECK(j[1]["value"]["zone"] == "eu-1");
  CHECK(j[1]["value"]["resources"]["cpu_milli"] == "auto");

  CHECK(j[2]["file"] == bad);
  CHECK(j[2]["kind"] == "peer");
  CHECK(j[2]["value"].is_null());
  REQUIRE(j[2]["errors"].size() == 2);
  CHECK(j[2]["errors"][0] ==
        ConfigJson{{"line", 1},
             {"col", 8},
             {"message", "bind: invalid address \"nohost\": missing port (use host:port)"}});
  CHECK(j[2]["errors"][1]["line"] == 2);
  CHECK(j[2]["errors"][1]["col"] == 8);
  CHECK(j[2]["errors"][1]["message"] == "zone must be a string, not an integer");

  CHECK(j[3]["file"] == missing);
  CHECK(j[3]["kind"].is_null());
  CHECK(j[3]["value"].is_null());
  CHECK(j[3]["errors"][0]["line"] == 0);

  // All valid: exit 0.
  CHECK(run({"check", "--json", svc, peer}).code == 0);
}

TEST_CASE("check --json: a path that is not UTF-8 is printed, not thrown on", "[node][cli]") {
  const Run r = run({"check", "--json", "/nonexistent/\xff.toml"});
  CHECK(r.code == 2);
  const ConfigJson j = ConfigJson::parse(r.out);
  CHECK(j[0]["file"] == "/nonexistent/\xef\xbf\xbd.toml");
}

TEST_CASE("check: a file that is not TOML is still classified by its lines", "[node][cli]") {
  const node::FileCheck c = node::check_text("x.toml", "[service.web]\nimage = = 1\n");
  REQUIRE(c.kind.has_value());
  CHECK(*c.kind == config::FileKind::service);
  REQUIRE(c.errors.size() == 1);
  CHECK(c.errors[0].line == 2);
  CHECK(c.value.is_null());
}

TEST_CASE("the examples pass check", "[node][cli][examples]") {
  const std::string web = kExamples + "services/web.toml";
  const std::string hello = kExamples + "services/hello.toml";
  const std::string peer = kExamples + "peer.toml";
  const Run r = run({"check", web, hello, peer});
  INFO(r.err);
  CHECK(r.code == 0);
  CHECK(r.out == web + ": ok (service web)\n" + hello + ": ok (service hello)\n" + peer +
                     ": ok (peer host-a)\n");
  const std::string db = kExamples + "services/db.toml";
  const Run d = run({"check", db});
  INFO(d.err);
  CHECK(d.out == db + ": ok (service db)\n");
  const ConfigJson dj = ConfigJson::parse(run({"check", "--json", db}).out);
  CHECK(dj[0]["value"]["db"]["volumes"] ==
        ConfigJson({"pgdata:/var/lib/postgresql/data", "/etc/shoal/db:/etc/db:ro"}));
  const ConfigJson j = ConfigJson::parse(run({"check", "--json", web, hello, peer}).out);
  REQUIRE(j.size() == 3);
  CHECK(j[0]["value"]["web"]["replicas"] == 3);
  CHECK(j[0]["value"]["web"]["image"] == "docker.io/library/nginx:1.27");
  CHECK(j[1]["value"]["hello"]["command"][0] == "sh");
  CHECK(j[1]["value"]["hello"]["health"]["http"] == "/");
  CHECK(j[2]["kind"] == "peer");
  CHECK(j[2]["value"]["runtime"]["driver"] == "process");
}
