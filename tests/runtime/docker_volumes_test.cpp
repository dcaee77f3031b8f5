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
  auto o = h.options();
  o.bind_roots = {"/tmp"};
  h.driver = std::make_unique<DockerDriver>(o);
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
  auto o = h.options();
  o.bind_roots = {"/tmp"};
  h.driver = std::make_unique<DockerDriver>(o);
  auto spec = busybox_spec(h.peer, "missing", 0, {"/bin/sh", "-c", "true"});
  const std::string path = "/tmp/shoal-no-such-dir-" + std::to_string(::getpid());
  spec.service.volumes = {Volume{path, "/x", ""}};
  auto inst = h.driver->start(spec);
  REQUIRE_FALSE(inst.ok());
  INFO(inst.error().message);
  CHECK_FALSE(inst.error().permanent);  // the path may appear
  CHECK(inst.error().message == "service missing: volume `" + path + ":/x`: host path " + path +
                                    ": No such file or directory (a bind mount needs it on this "
                                    "peer)");
  CHECK_FALSE(std::filesystem::exists(path));  // not created behind the user's back
  CHECK(h.containers().empty());
}

TEST_CASE("docker volumes: bind mounts only below runtime.bind_roots, symlinks resolved") {
  // Refused before the engine is asked, so no Podman is needed.
  char tmpl[] = "/tmp/shoal-roots-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  struct Rm {
    std::string d;
    ~Rm() { std::error_code ec; std::filesystem::remove_all(d, ec); }
  } rm{dir};
  std::filesystem::create_directories(dir + "/allowed/data");
  std::filesystem::create_symlink("/etc", dir + "/allowed/escape");
  DockerDriverOptions o;
  o.peer = "p";
  o.socket = "/tmp/shoal-no-such-engine.sock";
  auto start = [&](const std::vector<std::string>& roots, const std::string& source) {
    o.bind_roots = roots;
    DockerDriver d(o);
    auto spec = busybox_spec("p", "web", 0, {"true"});
    spec.service.volumes = {Volume{source, "/x", ""}};
    return d.start(spec);
  };
  // The default: no bind mount at all, permanently (only the peer file can allow one).
  auto none = start({}, dir + "/allowed/data");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().permanent);
  CHECK(none.error().message.find("allows bind mounts only below nothing (runtime.bind_roots") !=
        std::string::npos);
  // Outside the roots, or escaping them through a symlink: refused, saying where it resolves.
  auto outside = start({dir + "/allowed"}, "/etc");
  REQUIRE_FALSE(outside.ok());
  CHECK(outside.error().permanent);
  auto escape = start({dir + "/allowed"}, dir + "/allowed/escape");
  REQUIRE_FALSE(escape.ok());
  CHECK(escape.error().permanent);
  CHECK(escape.error().message.find("resolves to /etc") != std::string::npos);
  // A sibling whose name starts like a root is not below it.
  std::filesystem::create_directories(dir + "/allowed-not");
  CHECK(start({dir + "/allowed"}, dir + "/allowed-not").error().permanent);
  // Below a root: past the check (then the missing engine is the error, not permanent).
  auto inside = start({dir + "/allowed"}, dir + "/allowed/data");
  REQUIRE_FALSE(inside.ok());
  CHECK_FALSE(inside.error().permanent);
  // A named volume needs no root.
  o.bind_roots = {};
  DockerDriver d(o);
  auto spec = busybox_spec("p", "web", 0, {"true"});
  spec.service.volumes = {Volume{"data", "/x", ""}};
  auto named = d.start(spec);
  REQUIRE_FALSE(named.ok());
  CHECK_FALSE(named.error().permanent);
}
