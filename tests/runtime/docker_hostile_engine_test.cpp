// The docker driver against an engine whose answers are well-formed HTTP but hostile JSON:
// members of the wrong type, integers past any range, floats where integers belong. The
// driver must treat them as absent (an error or a default), never throw or overflow (the
// sanitizer build aborts on undefined behaviour). A real engine does not answer like this,
// so a small server on a unix socket plays one.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "node/runtime/docker_driver.hpp"
#include "tests/runtime/fake_engine.hpp"

using namespace shoal::runtime;
using shoal::runtime::test::Answer;
using shoal::runtime::test::FakeEngine;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

DockerDriver driver(const FakeEngine& engine) {
  DockerDriverOptions o;
  o.peer = "p";
  o.socket = engine.path();
  o.timeout = 2000;
  return DockerDriver(o);
}

const std::string kLabels =
    R"({"shoal.peer":"p","shoal.service":"web","shoal.index":"0","shoal.spec":"h"})";

}  // namespace

TEST_CASE("docker driver: a container list with absurd Created values reads them as unknown") {
  FakeEngine engine([](const std::string&, const std::string&) {
    return Answer{200, R"([{"Id":"a1","State":"running","Created":1e300,"Labels":)" + kLabels +
                           R"(},{"Id":"b2","State":"running","Created":9223372036854775807,"Labels":)" +
                           kLabels + R"(},{"Id":"c3","State":"running","Created":-5,"Labels":)" +
                           kLabels + R"(},{"Id":"d4","State":"running","Created":1700000000,"Labels":)" +
                           kLabels + R"(},{"Id":"e5","State":"running","Labels":"not an object"}])"};
  });
  auto d = driver(engine);
  auto checked = d.list_checked();
  REQUIRE(checked.ok());
  const auto& list = checked.value();
  REQUIRE(list.size() == 4);  // e5's labels are not a shoal set
  CHECK(list[0].started_at == 0);
  CHECK(list[1].started_at == 0);
  CHECK(list[2].started_at == 0);
  CHECK(list[3].started_at == 1700000000000);
}

TEST_CASE("docker driver: stop() with an inspect of wrongly typed members does not throw") {
  for (const std::string body :
       {R"({"State":"running","Config":5})", R"({"State":{"Running":"yes"},"Config":{"Labels":[]}})",
        R"({"State":{"Running":true},"Config":{"Labels":7,"StopSignal":{}}})", R"([1,2])"}) {
    INFO(body);
    FakeEngine engine([&](const std::string&, const std::string&) { return Answer{200, body}; });
    auto d = driver(engine);
    CHECK_NOTHROW(d.stop("a1", 1000));
  }
}

TEST_CASE("docker driver: poll() of an ended container with a float or huge ExitCode reports -1") {
  for (const std::string state : {R"({"ExitCode":1e30})", R"({"ExitCode":4294967297})",
                                  R"({"ExitCode":"3"})", R"("exited")"}) {
    INFO(state);
    FakeEngine engine([&](const std::string&, const std::string& path) {
      if (has(path, "/containers/json"))
        return Answer{200, R"([{"Id":"a1","State":"exited","Labels":)" + kLabels + "}]"};
      if (has(path, "/containers/a1/json")) return Answer{200, R"({"State":)" + state + "}"};
      return Answer{204, ""};
    });
    auto d = driver(engine);
    std::vector<Exit> exits;
    REQUIRE_NOTHROW(exits = d.poll());
    REQUIRE(exits.size() == 1);
    CHECK(exits[0].exit_code == -1);
  }
}

TEST_CASE("docker driver: an exec whose result has a huge or float exit code fails the probe") {
  for (const std::string result : {R"({"Running":false,"ExitCode":1e30})",
                                   R"({"Running":"no","ExitCode":0})",
                                   R"({"Running":false,"ExitCode":99999999999})"}) {
    INFO(result);
    FakeEngine engine([&](const std::string&, const std::string& path) {
      if (has(path, "/containers/a1/exec")) return Answer{201, R"({"Id":"x9"})"};
      if (has(path, "/exec/x9/start")) return Answer{200, ""};
      return Answer{200, result};
    });
    auto d = driver(engine);
    ProbeResult r;
    REQUIRE_NOTHROW(r = d.exec_probe("a1", {"true"}, 1000));
    CHECK_FALSE(r.ok);
    CHECK(has(r.detail, "no exit code"));
  }
}

TEST_CASE("docker driver: an ended container's logs are kept before its removal, old copies pruned") {
  const std::string logs(std::string("\x01\x00\x00\x00\x00\x00\x00\x20", 8) +
                         "2026-12-07T05:20:00Z last words\n");
  bool removed = false;
  FakeEngine engine([&](const std::string& method, const std::string& path) {
    if (has(path, "/containers/json"))
      return Answer{200, removed ? "[]" : R"([{"Id":"a1b2c3d4e5f6a7","State":"exited","Labels":)" + kLabels + "}]"};
    if (has(path, "/logs?")) return Answer{200, logs};
    if (has(path, "/json")) return Answer{200, R"({"State":{"ExitCode":3}})"};
    if (method == "DELETE") removed = true;
    return Answer{204, ""};
  });
  char tmpl[] = "/tmp/shoal-saved-logs-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string old_copy = dir + "/web-1.000000000000.docker";
  { std::FILE* f = std::fopen(old_copy.c_str(), "w"); std::fclose(f); }
  std::filesystem::last_write_time(old_copy, std::filesystem::file_time_type::clock::now() -
                                                 std::chrono::hours(48));
  DockerDriverOptions o;
  o.peer = "p";
  o.socket = engine.path();
  o.timeout = 2000;
  o.logs_dir = dir;
  o.log_retention = 24 * 3600 * 1000;
  DockerDriver d(o);
  auto exits = d.poll();
  REQUIRE(exits.size() == 1);
  CHECK(removed);
  const std::string kept = dir + "/web-0.a1b2c3d4e5f6.docker";
  REQUIRE(std::filesystem::exists(kept));
  CHECK(std::filesystem::file_size(kept) == logs.size());
  CHECK((std::filesystem::status(kept).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  CHECK_FALSE(std::filesystem::exists(old_copy));  // older than the retention window
  std::filesystem::remove_all(dir);
}
