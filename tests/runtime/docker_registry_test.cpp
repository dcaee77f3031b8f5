// Image pulls with registry credentials (runtime.registry_auth) through the docker driver on a
// real Podman, from a local registry with basic auth over TLS (scripts/registry-setup, run
// here when it is not up): without credentials, or with a wrong password, the pull is refused
// and the start fails saying so; with the credentials file the image is pulled and runs.
// Skipped with a WARN when podman or docker-registry is not installed.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>

#include "node/runtime/registry_auth.hpp"
#include "tests/runtime/docker_fixture.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;

namespace {

struct RegistryEnv {
  std::string image;        // the private image, "127.0.0.1:PORT/shoal/busybox:private"
  std::string credentials;  // its credentials.json
  std::string why;          // set when skipped or failed
  bool setup_failed = false;
};

const RegistryEnv& registry_env() {
  static RegistryEnv env = [] {
    RegistryEnv e;
    if (::access("/usr/bin/docker-registry", X_OK) != 0) {
      e.why = "docker-registry is not installed: registry test skipped (scripts/deps test)";
      return e;
    }
    const std::string dir = env_or("SHOAL_REGISTRY_DIR", "/tmp/shoal-registry");
    const std::string port = env_or("SHOAL_REGISTRY_PORT", "5943");
    const std::string script = std::string(SHOAL_SOURCE_DIR) + "/scripts/registry-setup";
    // Idempotent and quick when the registry is up; it pushes the image again either way.
    const bool was_up = ::access((dir + "/registry.pid").c_str(), F_OK) == 0 &&
                        std::system(("kill -0 $(cat " + dir + "/registry.pid) 2>/dev/null").c_str()) == 0;
    if (std::system((script + " >/dev/null 2>&1").c_str()) != 0) {
      e.why = script + " did not bring up the registry (see " + dir + "/registry.log)";
      e.setup_failed = true;
      return e;
    }
    if (!was_up) {
      static std::string stop_cmd = script + " stop >/dev/null 2>&1";
      std::atexit([] { (void)std::system(stop_cmd.c_str()); });
    }
    e.image = "127.0.0.1:" + port + "/shoal/busybox:private";
    e.credentials = dir + "/credentials.json";
    return e;
  }();
  return env;
}

// Removes the image from the engine's storage (so the next start must pull it).
void forget_image(DockerHarness& h, const std::string& image) {
  (void)h.api().request("DELETE", "/images/" + url_encode(image) + "?force=true");
}

bool image_present(DockerHarness& h, const std::string& image) {
  auto r = h.api().request("GET", "/images/" + url_encode(image) + "/json");
  return r && r->status == 200;
}

}  // namespace

TEST_CASE("docker registry auth: a private image is pulled only with its credentials") {
  SHOAL_REQUIRE_PODMAN();
  const RegistryEnv& reg = registry_env();
  if (reg.image.empty()) {
    if (reg.setup_failed) FAIL(reg.why);
    SHOAL_SKIP(reg.why, true);
  }
  DockerHarness h(podman_.socket);
  auto spec = busybox_spec(h.peer, "private", 0, {"/bin/sh", "-c", "exit 7"});
  spec.service.image = reg.image;
  struct Forget {
    DockerHarness& h;
    std::string image;
    ~Forget() { h.cleanup(); forget_image(h, image); }
  } forget{h, reg.image};
  forget_image(h, reg.image);
  REQUIRE_FALSE(image_present(h, reg.image));

  // no credentials: refused by the registry
  auto anonymous = h.driver->start(spec);
  REQUIRE_FALSE(anonymous.ok());
  INFO(anonymous.error().message);
  CHECK(anonymous.error().message.find("service private: image " + reg.image +
                                       " not found locally and pull failed") == 0);
  CHECK(anonymous.error().message.find("authentication required") != std::string::npos);

  // a wrong password: refused too
  auto auths = load_registry_auth(reg.credentials);
  REQUIRE(auths.ok());
  REQUIRE(auths.value().size() == 1);
  auto wrong = auths.value();
  wrong.begin()->second.password += "x";
  DockerDriverOptions wo = h.options();
  wo.registry_auths = wrong;
  auto refused = DockerDriver(wo).start(spec);
  REQUIRE_FALSE(refused.ok());
  CHECK_FALSE(image_present(h, reg.image));

  // the credentials file: pulled, and it runs
  DockerDriverOptions o = h.options();
  o.registry_auths = auths.value();
  DockerDriver with_auth(o);
  auto inst = with_auth.start(spec);
  REQUIRE(inst.ok());
  CHECK(image_present(h, reg.image));
  std::optional<Exit> exit;
  CHECK(docker_wait_until(
      [&] {
        for (auto& e : with_auth.poll())
          if (e.id == inst->id) exit = e;
        return exit.has_value();
      },
      30000));
  REQUIRE(exit);
  CHECK(exit->exit_code == 7);
}
