// The simulated container runtime: starts complete after start_delay, running copies are
// counted across peers (duplicates), and a crash's sole copies are a failover until they run
// again elsewhere.
#include <catch2/catch.hpp>

#include "sim/fake_runtime.hpp"

using namespace shoal;
using namespace shoal::sim;

namespace {

placement::Plan start(const std::string& service, std::uint32_t index) {
  placement::StartAction a;
  a.id = placement::InstanceId{service, index};
  a.spec_hash = "h";
  placement::Plan plan;
  plan.actions.push_back(a);
  return plan;
}

// Runs the queued instance_up events due by `until` on their peers.
void run_starts(EventQueue& q, FakeRuntime& rt, std::vector<SimPeer>& peers, Micros until) {
  while (!q.empty() && q.next_time() <= until) {
    Ev e = q.pop();
    q.set_now(e.time);
    if (e.kind == Ev::instance_up && e.gen == peers[e.peer].gen) rt.started(peers[e.peer], e.peer, e.arg);
  }
}

}  // namespace

TEST_CASE("fake runtime: copies, duplicates and a failover after a crash") {
  Experiment x;
  x.start_delay = 500 * gossip::kMillis;
  EventQueue q;
  gossip::Rng rng(1);
  FakeRuntime rt(x, q, rng);
  std::vector<SimPeer> peers(2);
  for (auto& p : peers) p.up = p.started = true;
  rt.set_desired(1);

  CHECK(rt.apply(peers[0], 0, start("web", 0)));
  CHECK(rt.running() == 0);  // starting, not running yet
  run_starts(q, rt, peers, 1 * gossip::kSeconds);
  CHECK(rt.running() == 1);
  REQUIRE(rt.all_running_at());
  CHECK(*rt.all_running_at() == 500 * gossip::kMillis);

  rt.apply(peers[1], 1, start("web", 0));  // a second copy elsewhere
  run_starts(q, rt, peers, 2 * gossip::kSeconds);
  CHECK(rt.duplicated() == 1);
  rt.peer_crashed(peers[1]);  // not the sole copy: no failover
  CHECK(rt.duplicated() == 0);
  CHECK(rt.duplicates_max() == 1);
  CHECK(rt.failovers().empty());

  q.set_now(3 * gossip::kSeconds);
  rt.peer_crashed(peers[0]);  // the sole copy
  CHECK(rt.running() == 0);
  REQUIRE(rt.failovers().size() == 1);
  CHECK_FALSE(rt.failovers()[0].done);
  rt.apply(peers[1], 1, start("web", 0));
  run_starts(q, rt, peers, 4 * gossip::kSeconds);
  CHECK(rt.running() == 1);
  REQUIRE(rt.failovers()[0].done);
  CHECK(*rt.failovers()[0].done - rt.failovers()[0].at == 500 * gossip::kMillis);
  rt.finish();
  CHECK(rt.unavailable_us() == Approx(500.0 * gossip::kMillis));  // one instance, 0.5 s
}
