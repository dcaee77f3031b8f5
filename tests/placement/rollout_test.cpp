// The rolling-update rule (placement/rollout.hpp) on hand-made reports: the budget, the window,
// the order, and what counts as done.
#include <catch2/catch.hpp>

#include "placement/rollout.hpp"
#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

namespace {

shoal::config::ServiceSpec with_update(int replicas, int parallelism) {
  auto s = make_service("web", replicas, /*health_check=*/true);
  s.update = shoal::config::UpdatePolicy{};
  s.update->parallelism = parallelism;
  return s;
}

// One report a letter: D done (new, healthy, settled), U unsettled (new, healthy, not yet
// settled), S stale (old, healthy), X stopping (old), N not reported.
std::vector<RolloutReport> reports(const std::string& code) {
  std::vector<RolloutReport> out;
  for (std::size_t i = 0; i < code.size(); ++i) {
    RolloutReport r{iid("web", static_cast<std::uint32_t>(i))};
    r.reported = code[i] != 'N';
    r.state = code[i] == 'X' ? InstanceState::stopping : InstanceState::healthy;
    r.spec_hash = (code[i] == 'D' || code[i] == 'U') ? "new" : "old";
    r.settled = code[i] == 'D';
    out.push_back(r);
  }
  return out;
}

std::vector<std::uint32_t> chosen(int parallelism, const std::string& code) {
  std::vector<std::uint32_t> out;
  for (const auto& id : replaceable_now(with_update(static_cast<int>(code.size()), parallelism),
                                        "new", reports(code)))
    out.push_back(id.index);
  return out;
}

using V = std::vector<std::uint32_t>;

}  // namespace

TEST_CASE("rollout: the lowest stale instances first, at most parallelism not ready") {
  CHECK(chosen(1, "SSSS") == V{0});
  CHECK(chosen(2, "SSSS") == V{0, 1});
  CHECK(chosen(2, "DSSS") == V{1, 2});
  CHECK(chosen(1, "USSS").empty());      // unsettled: not done yet, holds the slot
  CHECK(chosen(2, "USSS") == V{1});
  CHECK(chosen(2, "XUSS").empty());      // two not ready: the budget is spent
  CHECK(chosen(2, "DDDS") == V{3});
  CHECK(chosen(3, "DDDD").empty());      // done
}

TEST_CASE("rollout: the window never reaches past parallelism ranks above the lowest not done") {
  // Rank 0 is stale (not chosen by a peer that lags), rank 1 in flight: with parallelism 2 only
  // ranks 0..1 may be replaced, whatever the budget says.
  CHECK(chosen(2, "SUSS") == V{0});
  // A failure elsewhere (not reported) takes the budget: the rollout waits.
  CHECK(chosen(1, "DSNS").empty());
  CHECK(chosen(2, "DSNS") == V{1});
}

TEST_CASE("rollout: an older peer's report (settled unsaid) counts a ready copy as done") {
  auto r = reports("DSSS");
  r[0].settled.reset();
  const auto spec = with_update(4, 1);
  CHECK(classify(r[0], spec, "new") == RolloutClass::done);
  r[0].state = InstanceState::running;  // with a health check, running is not ready
  CHECK(classify(r[0], spec, "new") == RolloutClass::not_ready);
}

TEST_CASE("rollout: the deployment verdict every peer derives from the same reports") {
  const auto spec = with_update(4, 2);
  CHECK(deployment_state(spec, "new", reports("DDUS")) == Deployment::rolling);
  CHECK(deployment_state(spec, "new", reports("DDDD")) == Deployment::healthy);
  auto r = reports("DUUS");
  r[2].overdue = true;
  CHECK(deployment_state(spec, "new", r) == Deployment::failed);
  r[2].spec_hash = "old";  // an overdue copy of another version says nothing about this one
  CHECK(deployment_state(spec, "new", r) == Deployment::rolling);
  CHECK(to_string(Deployment::failed) == "failed");
}

TEST_CASE("rollout: settled once ready for min_healthy_time") {
  CHECK_FALSE(settled_at(10'999, 1'000, 10'000));
  CHECK(settled_at(11'000, 1'000, 10'000));
  CHECK(settled_at(1'000, 1'000, 0));
}
