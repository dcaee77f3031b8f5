// RuntimeHealth: the executor's checks of the driver, as /v1/status shows them.
#include <catch2/catch.hpp>

#include "node/runtime_health.hpp"

using shoal::node::ExecReport;
using shoal::node::RuntimeHealth;

TEST_CASE("runtime health: down once checked and failing, back once it answers again",
          "[node][runtime]") {
  RuntimeHealth h("docker", "");
  CHECK(h.available());
  CHECK_FALSE(h.down());  // not checked yet
  CHECK(h.json()["checked"] == false);
  ExecReport failing;
  failing.available = false;
  failing.error = "no engine socket";
  failing.socket = "/run/podman/podman.sock";
  CHECK_FALSE(h.update(failing));
  CHECK(h.down());
  CHECK(h.json()["error"] == "no engine socket");
  CHECK(h.json()["socket"] == "/run/podman/podman.sock");
  ExecReport ok;
  CHECK(h.update(ok));  // came back
  CHECK_FALSE(h.down());
  CHECK_FALSE(h.json().contains("error"));
  CHECK_FALSE(h.update(ok));
  CHECK_FALSE(RuntimeHealth("process", "").json().contains("socket"));
}
