// Volumes through the docker driver on a real Podman (scripts/podman-setup): a named volume
// keeps what one container wrote for the next, a read-only bind mount refuses writes (a
// read-write one takes them), a missing host path fails the start (Podman would create it). Skipped with a WARN when
// podman is not installed; containers and volumes are removed by name at the end.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/runtime/docker_fixture.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;
using shoal::config::Volume;

namespace {

// Runs `script` in a busybox container with these volumes; its exit code (-1 when it did not
// start or end within 30 s).
int run_with(DockerHarness& h, const std::string& service, std::vector<Volume> volumes,
             const std::string& script) {
  auto spec = busybox_spec(h.peer, service, 0, {"/bin/sh", "-c", script});
  spec.service.volumes = std::move(volumes);
  auto inst = h.driver->start(spec);
  if (!inst.ok()) {
    UNSCOPED_INFO("start: " << inst.error().message);
    return -1;
  }
  auto exit = h.wait_exit(inst->id, 30000);
  (void)h.driver->remove(inst->id);
  return exit ? exit->exit_code : -1;
}

// A named volume of this test's own, removed (with force) when the test ends.
struct TestVolume {
  explicit TestVolume(DockerHarness& harness) : h(harness), name(harness.peer + "-vol") {}
  ~TestVolume() {
    h.cleanup();  // a volume in use cannot be removed
    (void)h.api().request("DELETE", "/volumes/" + name + "?force=true");
  }
  DockerHarness& h;
  std::string name;
};

}  // namespace

TEST_CASE("docker volumes: a named volume keeps a file from one container for the next") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  TestVolume vol(h);
  TestVolume other(h);
  other.name += "-other";
  // the reader's check fails on a volume nobody wrote to (the test can tell absence)
  CHECK(run_with(h, "reader", {Volume{other.name, "/data", ""}}, "test ! -e /data/f") == 0);
  CHECK(run_with(h, "writer", {Volume{vol.name, "/data", ""}}, "echo written > /data/f") == 0);
  CHECK(run_with(h, "reader", {Volume{vol.name, "/data", ""}}, "grep -qx written /data/f") == 0);
  // and read-only, the same volume reads but refuses writes
  CHECK(run_with(h, "reader", {Volume{vol.name, "/data", "ro"}},
                 "grep -qx written /data/f && ! touch /data/g") == 0);
  auto r = h.api().request("GET", "/volumes/" + vol.name);
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("docker volumes: a read-only bind mount refuses writes, a read-write one takes them") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  char tmpl[] = "/tmp/shoal-bind-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  std::ofstream(dir + "/f") << "from the host\n";
  struct Rm {
    std::string d;
    ~Rm() { std::error_code ec; std::filesystem::remove_all(d, ec); }
  } rm{dir};

  CHECK(run_with(h, "ro", {Volume{dir, "/x", "ro"}}, "grep -qx 'from the host' /x/f") == 0);
  CHECK(run_with(h, "ro", {Volume{dir, "/x", "ro"}}, "echo no > /x/new") != 0);
  CHECK_FALSE(std::filesystem::exists(dir + "/new"));
  CHECK(run_with(h, "rw", {Volume{dir, "/x", ""}}, "echo yes > /x/new") == 0);
  CHECK(std::filesystem::exists(dir + "/new"));
}

TEST_CASE("docker volumes: a bind mount of a missing host path fails the start") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto spec = busybox_spec(h.peer, "missing", 0, {"/bin/sh", "-c", "true"});
  const std::string path = "/tmp/shoal-no-such-dir-" + std::to_string(::getpid());
  spec.service.volumes = {Volume{path, "/x", ""}};
  auto inst = h.driver->start(spec);
  REQUIRE_FALSE(inst.ok());
  INFO(inst.error().message);
  CHECK(inst.error().message == "service missing: volume `" + path + ":/x`: host path " + path +
                                    ": No such file or directory (a bind mount needs it on this "
                                    "peer)");
  CHECK_FALSE(std::filesystem::exists(path));  // not created behind the user's back
  CHECK(h.containers().empty());
}
