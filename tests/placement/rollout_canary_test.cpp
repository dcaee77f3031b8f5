// Canaries in the rolling-update rule (placement/rollout.hpp): with update.canary = N only the
// N lowest-ranked instances may be replaced, and the deployment awaits promotion once they are
// done; a spec whose hold was lifted (canary 0) rolls on as before.
#include <catch2/catch.hpp>

#include "placement/rollout.hpp"
#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

namespace {

shoal::config::ServiceSpec held(int replicas, int parallelism, int canary) {
  auto s = make_service("web", replicas, /*health_check=*/true);
  s.update = shoal::config::UpdatePolicy{};
  s.update->parallelism = parallelism;
  s.update->canary = canary;
  return s;
}

// D done, U new but unsettled, S stale, O new and overdue (as rollout_test.cpp's letters).
std::vector<RolloutReport> canary_reports(const std::string& code) {
  std::vector<RolloutReport> out;
  for (std::size_t i = 0; i < code.size(); ++i) {
    RolloutReport r;
    r.id = iid("web", static_cast<std::uint32_t>(i));
    r.reported = true;
    r.state = code[i] == 'O' ? InstanceState::starting : InstanceState::healthy;
    r.spec_hash = code[i] == 'S' ? "old" : "new";
    r.settled = code[i] == 'D';
    r.overdue = code[i] == 'O';
    out.push_back(r);
  }
  return out;
}

std::vector<std::uint32_t> canary_chosen(int parallelism, int canary, const std::string& code) {
  std::vector<std::uint32_t> out;
  const auto spec = held(static_cast<int>(code.size()), parallelism, canary);
  for (const auto& id : replaceable_now(spec, "new", canary_reports(code))) out.push_back(id.index);
  return out;
}

Deployment state(int canary, const std::string& code) {
  return deployment_state(held(static_cast<int>(code.size()), 2, canary), "new", canary_reports(code));
}

using V = std::vector<std::uint32_t>;

}  // namespace

TEST_CASE("rollout canary: only the lowest `canary` ranks take the new version while held") {
  CHECK(canary_chosen(1, 1, "SSSS") == V{0});
  CHECK(canary_chosen(3, 1, "SSSS") == V{0});     // parallelism does not reach past the canaries
  CHECK(canary_chosen(3, 2, "SSSS") == V{0, 1});
  CHECK(canary_chosen(2, 1, "DSSS").empty());     // the canary is done: wait for promotion
  CHECK(canary_chosen(1, 2, "DSSS") == V{1});
  CHECK(canary_chosen(2, 2, "USSS") == V{1});     // the canaries roll out by the usual budget
  CHECK(canary_chosen(2, 4, "SSSS") == V{0, 1});  // canary = replicas: no hold at all
  CHECK(canary_chosen(2, 0, "DSSS") == V{1, 2});  // promoted (canary 0): the rule goes on
}

TEST_CASE("rollout canary: the deployment awaits promotion once its canaries are done") {
  CHECK(state(1, "USSS") == Deployment::rolling);
  CHECK(state(1, "DSSS") == Deployment::awaiting_promotion);
  CHECK(state(2, "DSSS") == Deployment::rolling);
  CHECK(state(2, "DDSS") == Deployment::awaiting_promotion);
  CHECK(state(1, "DDDD") == Deployment::healthy);  // nothing left to promote
  CHECK(state(4, "DDDD") == Deployment::healthy);
  CHECK(state(1, "OSSS") == Deployment::failed);   // an overdue canary fails the version
  CHECK(state(0, "DSSS") == Deployment::rolling);
  CHECK(to_string(Deployment::awaiting_promotion) == "awaiting_promotion");
}
