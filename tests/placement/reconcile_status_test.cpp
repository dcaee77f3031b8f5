#include <catch2/catch.hpp>

#include "placement/status.hpp"

using namespace shoal::placement;

TEST_CASE("status: instance state names are the user-facing contract") {
  const std::vector<std::pair<InstanceState, std::string>> names = {
      {InstanceState::pending, "pending"},     {InstanceState::starting, "starting"},
      {InstanceState::running, "running"},     {InstanceState::healthy, "healthy"},
      {InstanceState::unhealthy, "unhealthy"}, {InstanceState::stopping, "stopping"},
      {InstanceState::exited, "exited"},       {InstanceState::failed, "failed"},
      {InstanceState::unplaced, "unplaced"}};
  for (const auto& [state, name] : names) {
    CHECK(to_string(state) == name);
    auto back = instance_state_from_string(name);
    REQUIRE(back);
    CHECK(*back == state);
  }
  CHECK_FALSE(instance_state_from_string("Running"));
  CHECK_FALSE(instance_state_from_string(""));
  CHECK_FALSE(instance_state_from_string("dead"));
}

TEST_CASE("status: PeerStatus::find by instance id") {
  PeerStatus ps;
  ps.instances = {{InstanceId{"api", 0}, InstanceState::healthy, "h", {}, 0, 0},
                  {InstanceId{"web", 1}, InstanceState::running, "h", {{"http", 31000}}, 2, 0},
                  {InstanceId{"web", 10}, InstanceState::exited, "h", {}, 0, 3}};
  const InstanceStatus* s = ps.find(InstanceId{"web", 1});
  REQUIRE(s);
  CHECK(s->host_ports.at("http") == 31000);
  CHECK(s->restarts == 2);
  REQUIRE(ps.find(InstanceId{"web", 10}));
  CHECK(ps.find(InstanceId{"web", 10})->exit_code == 3);
  CHECK(ps.find(InstanceId{"web", 2}) == nullptr);
  CHECK(ps.find(InstanceId{"zzz", 0}) == nullptr);
}
