// Volumes in the drivers: the docker driver's HostConfig.Mounts, and the process driver's
// refusal (permanent: the instance is failed, not retried), with no process started.
#include <catch2/catch.hpp>

#include <filesystem>

#include "config/spec.hpp"
#include "harness.hpp"
#include "node/runtime/mounts.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;
using shoal::config::Volume;

TEST_CASE("docker mounts: a name is a volume mount, a path a bind mount, ro read-only") {
  auto m = docker_mounts({Volume{"data", "/data", ""}, Volume{"/srv/x", "/x", "ro"},
                          Volume{"/srv/y", "/y", "rw"}});
  CHECK(m == nlohmann::json::parse(R"([
    {"Type": "volume", "Source": "data", "Target": "/data", "ReadOnly": false},
    {"Type": "bind", "Source": "/srv/x", "Target": "/x", "ReadOnly": true},
    {"Type": "bind", "Source": "/srv/y", "Target": "/y", "ReadOnly": false}])"));
  CHECK(docker_mounts({}) == nlohmann::json::array());
}

TEST_CASE("process driver refuses a spec with volumes, for good, starting nothing") {
  Harness h;
  auto s = h.spec("db", 0, ": > started");
  s.service.volumes = {Volume{"pgdata", "/var/lib/postgresql/data", ""}};
  auto r = h.driver->start(s);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().permanent);
  CHECK(r.error().message ==
        "service db: the process driver cannot mount volumes (1 in the spec, first "
        "`pgdata:/var/lib/postgresql/data`); run it on peers with runtime.driver = \"docker\" "
        "(e.g. a placement constraint on a label those peers have)");
  CHECK(h.driver->list().empty());
  CHECK_FALSE(std::filesystem::exists(h.driver->work_dir(s.labels) + "/started"));
  // the same spec without volumes runs; an ordinary failure is not permanent
  s.service.volumes.clear();
  CHECK(h.start(s).id != "");
  s.service.command = {"/nonexistent/cmd"};
  auto missing = h.driver->start(s);
  REQUIRE_FALSE(missing.ok());
  CHECK_FALSE(missing.error().permanent);
}
