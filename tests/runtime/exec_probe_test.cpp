// Driver::exec_probe, the exec form of a health check, through the Driver interface: the
// process driver runs argv on the host with the instance's env and working directory; the
// docker driver inside the container (real Podman; skipped with a WARN when absent).
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "node/runtime/health.hpp"
#include "tests/runtime/docker_fixture.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;

TEST_CASE("process driver exec_probe runs argv with the instance's env in its working dir") {
  Harness h;
  auto s = h.spec("web", 1, Harness::trap_loop("exit 0"));
  s.service.env = {{"WANT", "yes"}};
  Instance inst = h.start(s);
  REQUIRE(h.wait_ready(inst));
  Driver& d = *h.driver;
  const std::string wdir = h.driver->work_dir(s.labels);

  auto ok = d.exec_probe(
      inst.id,
      {"/bin/sh", "-c",
       "test \"$WANT\" = yes && test \"$SHOAL_SERVICE\" = web && test \"$SHOAL_INDEX\" = 1 && "
       "test \"$(pwd)\" = '" + wdir + "' && test -f ready.*"},
      5000);
  INFO(ok.detail);
  CHECK(ok.ok);
  CHECK(ok.detail == "exit 0");

  auto four = d.exec_probe(inst.id, {"/bin/sh", "-c", "exit 4"}, 5000);
  CHECK_FALSE(four.ok);
  CHECK(four.detail == "exit 4");

  // Past the timeout the probe is killed and fails.
  auto slow = d.exec_probe(inst.id, {"/bin/sleep", "10"}, 200);
  CHECK_FALSE(slow.ok);
  CHECK(slow.detail.find("timed out") != std::string::npos);

  // An unknown id, and the instance once it has ended, fail without running anything.
  CHECK_FALSE(d.exec_probe("nope-0.0", {"/bin/true"}, 1000).ok);
  REQUIRE(d.stop(inst.id, 2000).ok());
  REQUIRE(h.wait_exits(1).size() == 1);
  auto gone = d.exec_probe(inst.id, {"/bin/true"}, 1000);
  CHECK_FALSE(gone.ok);
}

TEST_CASE("process driver exec_probe works for an instance adopted after a peer restart") {
  Harness h;
  auto s = h.spec("adopt", 0, Harness::trap_loop("exit 0"));
  s.service.env = {{"WANT", "kept"}};
  Instance inst = h.start(s);
  REQUIRE(h.wait_ready(inst));
  h.restart_driver();  // a new driver object: knows the instance only from its record
  auto r = h.driver->exec_probe(inst.id, {"/bin/sh", "-c", "test \"$WANT\" = kept"}, 5000);
  INFO(r.detail);
  CHECK(r.ok);
}

TEST_CASE("a driver without exec support fails exec probes by default") {
  struct Bare : Driver {
    Result<Instance> start(const InstanceSpec&) override { return Error{"no"}; }
    Status stop(const std::string&, Millis) override { return {}; }
    std::vector<Instance> list() override { return {}; }
    std::vector<Exit> poll() override { return {}; }
    void heartbeat() override {}
  } bare;
  auto r = bare.exec_probe("x", {"/bin/true"}, 1000);
  CHECK_FALSE(r.ok);
  CHECK(r.detail.find("not supported") != std::string::npos);
}

TEST_CASE("docker driver exec_probe runs argv in the container") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto spec = busybox_spec(h.peer, "probed", 0, {"/bin/sleep", "1000"});
  spec.service.env = {{"WANT", "yes"}};
  auto inst = h.driver->start(spec);
  REQUIRE(inst.ok());
  Driver& d = *h.driver;
  auto ok = d.exec_probe(inst->id, {"/bin/sh", "-c", "test \"$WANT\" = yes"}, 5000);
  INFO(ok.detail);
  CHECK(ok.ok);
  auto two = d.exec_probe(inst->id, {"/bin/sh", "-c", "exit 2"}, 5000);
  CHECK_FALSE(two.ok);
  CHECK(two.detail == "exit 2");
  CHECK_FALSE(d.exec_probe("no-such-container", {"/bin/true"}, 2000).ok);
}
