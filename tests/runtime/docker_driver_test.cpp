// The docker driver against a real Podman (scripts/podman-setup). Skipped with a WARN when
// podman is not installed. Every container is removed by id at the end of its test.
#include <catch2/catch.hpp>

#include "node/runtime/health.hpp"
#include "node/runtime/ports.hpp"
#include "tests/runtime/docker_fixture.hpp"

using namespace shoal::runtime;
using namespace shoal::runtime::test;

TEST_CASE("docker driver runs busybox httpd on a dynamic host port, labelled, with limits") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto spec = busybox_spec(h.peer, "web", 2, httpd_command());
  spec.service.ports = {shoal::config::Port{"http", 8080, std::nullopt}};
  spec.service.env = {{"MODE", "prod"}};
  spec.service.resources.cpu_milli = 500;
  spec.service.resources.memory_mib = 64;

  auto inst = h.driver->start(spec);
  REQUIRE(inst.ok());
  REQUIRE(inst->ports.size() == 1);
  CHECK(inst->ports[0].name == "http");
  CHECK(inst->ports[0].container == 8080);
  std::uint16_t host_port = inst->ports[0].host;
  REQUIRE(host_port != 0);
  CHECK(inst->labels == spec.labels);

  // It answers on the host port it reported: "/" exists (200), "/nope" does not (404).
  ProbeResult last;
  CHECK(docker_wait_until(
      [&] {
        last = probe_http("127.0.0.1", host_port, "/", 1000);
        return last.ok;
      },
      10000));
  INFO(last.detail);
  CHECK(last.detail == "HTTP 200");
  auto missing = probe_http("127.0.0.1", host_port, "/nope", 1000);
  CHECK_FALSE(missing.ok);
  CHECK(missing.detail == "HTTP 404");

  auto j = h.inspect(inst->id);
  REQUIRE(j.is_object());
  auto labels = j["Config"]["Labels"];
  CHECK(labels["shoal.peer"] == h.peer);
  CHECK(labels["shoal.service"] == "web");
  CHECK(labels["shoal.index"] == "2");
  CHECK(labels["shoal.spec"] == "hash-web");
  CHECK(j["Name"].get<std::string>().find("shoal-web-2-") != std::string::npos);
  CHECK(j["HostConfig"]["Init"] == true);
  CHECK(j["HostConfig"]["NanoCpus"] == 500000000);
  CHECK(j["HostConfig"]["Memory"] == 64 * 1024 * 1024);
  bool has_env = false, has_service_env = false;
  for (const auto& e : j["Config"]["Env"]) {
    has_env = has_env || e == "MODE=prod";
    has_service_env = has_service_env || e == "SHOAL_SERVICE=web";
  }
  CHECK(has_env);
  CHECK(has_service_env);

  auto listed = h.driver->list();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].id == inst->id);
  CHECK(listed[0].ports == inst->ports);
  REQUIRE(h.driver->remove(inst->id).ok());
  CHECK(h.containers().empty());
  CHECK(h.driver->poll().empty());  // removed on purpose: no exit reported
}

TEST_CASE("docker driver publishes a static host port as asked") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto free = find_free_port("127.0.0.1");
  REQUIRE(free.ok());
  auto spec = busybox_spec(h.peer, "static", 0, httpd_command());
  spec.service.ports = {shoal::config::Port{"http", 8080, free.value()}};
  auto inst = h.driver->start(spec);
  REQUIRE(inst.ok());
  REQUIRE(inst->ports.size() == 1);
  CHECK(inst->ports[0].host == free.value());
  CHECK(docker_wait_until([&] { return probe_tcp("127.0.0.1", free.value(), 500).ok; }, 10000));
}

TEST_CASE("docker driver reports the exit code of a container that exits on its own") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto inst = h.driver->start(busybox_spec(h.peer, "three", 0, {"/bin/sh", "-c", "exit 3"}));
  REQUIRE(inst.ok());
  auto e = h.wait_exit(inst->id, 15000);
  REQUIRE(e.has_value());
  CHECK(e->reason == Exit::Reason::exited);
  CHECK(e->exit_code == 3);
  CHECK(e->labels.service == "three");
  CHECK(h.containers().empty());         // reported once, then removed
  CHECK(h.driver->poll().empty());       // and never reported again
}

TEST_CASE("docker driver stop: SIGTERM ends a cooperative container, reported as stopped") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto inst = h.driver->start(busybox_spec(h.peer, "sleeper", 0, {"/bin/sleep", "1000"}));
  REQUIRE(inst.ok());
  REQUIRE(h.driver->stop(inst->id, 30000).ok());
  // With the init process, sleep gets the SIGTERM and ends long before the 30 s grace.
  auto e = h.wait_exit(inst->id, 15000);
  REQUIRE(e.has_value());
  CHECK(e->reason == Exit::Reason::stopped);
  CHECK(h.driver->stop("no-such-container", 1000).ok() == false);
}

TEST_CASE("docker driver stop: a container ignoring SIGTERM is killed once the grace is over") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto inst = h.driver->start(busybox_spec(
      h.peer, "stubborn", 0,
      {"/bin/sh", "-c", "trap '' TERM; touch /tmp/trapped; /bin/sleep 1000 & wait; wait"}));
  REQUIRE(inst.ok());
  // The trap is installed once /tmp/trapped exists (a stop must not beat it).
  const auto trap_deadline = docker_now_ms() + 15000;
  bool trapped = false;
  while (!trapped && docker_now_ms() < trap_deadline) {
    auto r = h.driver->exec(inst->id, {"/bin/sh", "-c", "[ -f /tmp/trapped ]"}, 5000);
    trapped = r.ok() && r.value().exit_code == 0;
    if (!trapped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(trapped);
  auto t0 = docker_now_ms();
  REQUIRE(h.driver->stop(inst->id, 1000).ok());
  // Still running well inside the grace: SIGTERM was ignored.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(h.driver->poll().empty());
  auto e = h.wait_exit(inst->id, 15000);
  REQUIRE(e.has_value());
  CHECK(e->reason == Exit::Reason::stopped);
  CHECK(docker_now_ms() - t0 >= 1000);  // not before the grace ended
}

TEST_CASE("docker driver reports a container killed behind its back as exited") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto inst = h.driver->start(busybox_spec(h.peer, "victim", 1, {"/bin/sleep", "1000"}));
  REQUIRE(inst.ok());
  // An outsider kills it through the API (as `podman kill` does).
  DockerDriverOptions other = h.options();
  other.peer = "someone-else";
  DockerDriver outsider(other);
  REQUIRE(outsider.kill(inst->id, "SIGKILL").ok());
  auto e = h.wait_exit(inst->id, 15000);
  REQUIRE(e.has_value());
  CHECK(e->reason == Exit::Reason::exited);
  CHECK(e->exit_code != 0);
  CHECK(e->labels.index == 1);
}

TEST_CASE("docker driver adoption: a new driver object lists the peer's running containers") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto spec_a = busybox_spec(h.peer, "adopt", 0, {"/bin/sleep", "1000"});
  spec_a.service.ports = {shoal::config::Port{"http", 8080, std::nullopt}};
  auto a = h.driver->start(spec_a);
  auto b = h.driver->start(busybox_spec(h.peer, "adopt", 1, {"/bin/sleep", "1000"}));
  REQUIRE(a.ok());
  REQUIRE(b.ok());

  // The peer restarts: a fresh driver object for the same peer name.
  DockerDriver restarted(h.options());
  auto listed = restarted.list();
  REQUIRE(listed.size() == 2);
  std::vector<Instance> want = {a.value(), b.value()};
  std::sort(want.begin(), want.end(), [](auto& x, auto& y) { return x.id < y.id; });
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(listed[i].id == want[i].id);
    CHECK(listed[i].labels == want[i].labels);
    CHECK(listed[i].ports == want[i].ports);
  }
  CHECK(h.containers().size() == 2);  // nothing was created twice

  // Another peer's driver sees none of them.
  DockerDriverOptions other = h.options();
  other.peer = h.peer + "-other";
  CHECK(DockerDriver(other).list().empty());

  // The restarted peer no longer owns index 1: it removes it; index 0 keeps running.
  REQUIRE(restarted.remove(b->id).ok());
  auto after = restarted.list();
  REQUIRE(after.size() == 1);
  CHECK(after[0].id == a->id);
  CHECK(restarted.poll().empty());
  CHECK(restarted.remove(b->id).ok());  // already gone: still ok
}

TEST_CASE("docker driver: a missing image that cannot be pulled is a clear error") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto spec = busybox_spec(h.peer, "ghost", 0, {"/bin/true"});
  spec.service.image = "localhost/shoal-no-such-image:latest";
  auto r = h.driver->start(spec);
  REQUIRE_FALSE(r.ok());
  INFO(r.error().message);
  CHECK(r.error().message.find("image localhost/shoal-no-such-image:latest not found locally and "
                               "pull failed: ") != std::string::npos);
  CHECK(h.containers().empty());
}

TEST_CASE("docker driver exec runs a command in the container (exec health checks)") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto spec = busybox_spec(h.peer, "execd", 0, {"/bin/sleep", "1000"});
  spec.service.env = {{"WANT", "yes"}};
  auto inst = h.driver->start(spec);
  REQUIRE(inst.ok());
  auto ok = h.driver->exec(inst->id, {"/bin/sh", "-c", "test \"$WANT\" = yes"}, 5000);
  INFO((ok.ok() ? std::string() : ok.error().message));
  REQUIRE(ok.ok());
  CHECK(ok->exit_code == 0);
  auto four = h.driver->exec(inst->id, {"/bin/sh", "-c", "exit 4"}, 5000);
  REQUIRE(four.ok());
  CHECK(four->exit_code == 4);
  auto slow = h.driver->exec(inst->id, {"/bin/sleep", "10"}, 300);
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.error().message.find("timed out after 300 ms") != std::string::npos);

  shoal::config::HealthCheck check;
  check.kind = shoal::config::HealthCheck::Kind::exec;
  check.exec = {"/bin/sh", "-c", "exit 1"};
  auto failing = run_probe(check, inst->ports, docker_exec_fn(*h.driver, inst->id));
  CHECK_FALSE(failing.ok);
  CHECK(failing.detail == "exit 1");
  check.exec = {"/bin/sh", "-c", "exit 0"};
  CHECK(run_probe(check, inst->ports, docker_exec_fn(*h.driver, inst->id)).ok);
}

TEST_CASE("docker driver: a container removed behind its back is reported lost") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto inst = h.driver->start(busybox_spec(h.peer, "gone", 0, {"/bin/sleep", "1000"}));
  REQUIRE(inst.ok());
  auto del = h.api().request("DELETE", "/containers/" + inst->id + "?force=true");
  REQUIRE(del.ok());
  auto e = h.wait_exit(inst->id, 15000);
  REQUIRE(e.has_value());
  CHECK(e->reason == Exit::Reason::lost);
  CHECK(e->labels.service == "gone");
}

TEST_CASE("docker driver: stop of a container that already exited reports its own exit") {
  SHOAL_REQUIRE_PODMAN();
  DockerHarness h(podman_.socket);
  auto inst = h.driver->start(busybox_spec(h.peer, "quick", 0, {"/bin/sh", "-c", "exit 5"}));
  REQUIRE(inst.ok());
  REQUIRE(docker_wait_until(
      [&] {
        auto j = h.inspect(inst->id);
        return j.is_object() && j["State"]["Running"] == false;
      },
      15000));
  REQUIRE(h.driver->stop(inst->id, 1000).ok());
  auto e = h.wait_exit(inst->id, 15000);
  REQUIRE(e.has_value());
  CHECK(e->reason == Exit::Reason::exited);
  CHECK(e->exit_code == 5);
}
