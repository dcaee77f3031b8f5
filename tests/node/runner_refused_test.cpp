// Runner: a start the driver refuses for good (runtime::Error::permanent, e.g. volumes on the
// process driver) is reported `failed` and never retried, though restarts are unlimited.
#include <catch2/catch.hpp>

#include "node/runner.hpp"

using namespace shoal;

namespace {

class RefusingDriver : public runtime::Driver {
 public:
  runtime::Result<runtime::Instance> start(const runtime::InstanceSpec&) override {
    ++starts;
    return runtime::Error{"the process driver cannot mount volumes", permanent};
  }
  runtime::Status stop(const std::string&, runtime::Millis) override { return {}; }
  std::vector<runtime::Instance> list() override { return {}; }
  std::vector<runtime::Exit> poll() override { return {}; }
  void heartbeat() override {}
  int starts = 0;
  bool permanent = true;
};

// The state of db/0 after steps at t = 1, 2, ... 200 s (restart delay 1 s, no attempt limit).
placement::InstanceState run_refused(RefusingDriver& d) {
  config::ServiceSpec s;
  s.name = "db";
  s.command = {"postgres"};
  s.volumes = {config::Volume{"pgdata", "/data", ""}};
  std::vector<config::ServiceSpec> services{s};
  placement::Assignment asg;
  asg.algorithm_version = 1;
  asg.instances = {{{"db", 0}, std::string("a"), ""}};
  node::Runner r("a", d, {});
  node::RunnerInputs in;
  in.assignment = &asg;
  in.services = &services;
  in.live_peers = {"a"};
  in.synced = true;
  for (config::Millis t = 1000; t <= 200'000; t += 1000) {
    in.now = t;
    r.step(in);
  }
  REQUIRE(r.status().instances.size() == 1);
  return r.status().instances[0].state;
}

}  // namespace

TEST_CASE("runner: a permanently refused start is failed at once, not retried", "[node][runner]") {
  RefusingDriver d;
  CHECK(run_refused(d) == placement::InstanceState::failed);
  CHECK(d.starts == 1);
  RefusingDriver transient;  // the same failure, not permanent: retried with back-off
  transient.permanent = false;
  CHECK(run_refused(transient) != placement::InstanceState::failed);
  CHECK(transient.starts > 3);
}
