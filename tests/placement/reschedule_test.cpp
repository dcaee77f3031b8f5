// Reschedule on virtual time: a failed instance is listed by its owner (after `delay`, for
// `interval`), every peer derives View::avoid from the statuses, and placement moves that
// instance alone to the next peer of its ranking; `attempts` bounds how many peers it leaves.
#include <catch2/catch.hpp>

#include "placement/explain.hpp"
#include "placement/place.hpp"
#include "placement/reschedule.hpp"
#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

namespace {

View three_peers(int replicas) {
  View v;
  for (const char* n : {"a", "b", "c", "d"}) {
    Peer p;
    p.name = n;
    p.cpu_milli = 4000;
    p.memory_mib = 4096;
    p.algorithm_version = 2;
    v.peers.push_back(p);
  }
  auto s = make_service("web", replicas);
  s.restart.max_attempts = 1;
  s.restart.delay = 100;
  s.reschedule = shoal::config::ReschedulePolicy{2, 60'000, 1000};
  v.services = {s};
  return v;
}

std::string owner(const Assignment& a, std::uint32_t index) {
  const std::string* o = a.owner_of(InstanceId{"web", index});
  return o ? *o : "";
}

}  // namespace

TEST_CASE("reschedule: an avoided peer loses that instance only", "[placement][reschedule]") {
  View v = three_peers(3);
  const Assignment before = place(v);
  const std::string was = owner(before, 1);
  REQUIRE_FALSE(was.empty());
  v.avoid[{"web", 1}] = {was};
  const Assignment after = place(v);
  CHECK_FALSE(owner(after, 1).empty());
  CHECK(owner(after, 1) != was);
  CHECK(owner(after, 0) == owner(before, 0));
  CHECK(owner(after, 2) == owner(before, 2));
  // explain says why the peer was passed over
  bool said = false;
  for (const auto& r : explain(v, InstanceId{"web", 1}).ranked)
    if (r.peer == was) said = r.verdict == "skipped: the instance failed here (reschedule)";
  CHECK(said);
  // Unknown peers and instances in the list change nothing.
  View w = three_peers(3);
  w.avoid[{"web", 7}] = {"a"};
  w.avoid[{"web", 0}] = {"zz"};
  CHECK(place(w).instances.size() == before.instances.size());
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(owner(place(w), i) == owner(before, i));
  // A service without a reschedule table stays where it is, whatever a peer lists.
  View n = three_peers(3);
  n.services[0].reschedule.reset();
  const Assignment plain = place(n);
  n.avoid[{"web", 1}] = {owner(plain, 1)};
  for (std::uint32_t i = 0; i < 3; ++i) CHECK(owner(place(n), i) == owner(plain, i));
}

TEST_CASE("reschedule: avoid_of reads live peers' lists", "[placement][reschedule]") {
  std::map<std::string, PeerStatus> st;
  st["b"].failed_here = {InstanceId{"web", 1}};
  st["a"].failed_here = {InstanceId{"db", 0}, InstanceId{"web", 1}};  // sorted, as decoded
  st["z"].failed_here = {InstanceId{"web", 1}};  // dead: not read
  const Avoid av = avoid_of(st, {"a", "b"});
  CHECK(av.at({"web", 1}) == std::vector<std::string>{"a", "b"});
  CHECK(av.at({"db", 0}) == std::vector<std::string>{"a"});
  CHECK(failed_listings(st, {"a", "b"}, InstanceId{"web", 1}) == 2);
  CHECK(failed_listings(st, {"a", "b", "z"}, InstanceId{"web", 1}) == 3);
}

TEST_CASE("reschedule: the owner lists a failure from delay for interval", "[placement][reschedule]") {
  Harness h;
  auto s = make_service("web", 1);
  s.restart.max_attempts = 1;
  s.restart.delay = 100;
  s.reschedule = shoal::config::ReschedulePolicy{2, 60'000, 1000};
  h.services = {s};
  h.assignment = assign({{"web", 0, "a"}});
  h.step_apply(0);
  h.set_state(iid("web", 0), InstanceState::exited, 1);
  h.step_apply(10);          // pending
  h.step_apply(200);         // restarted (1 of 1)
  h.set_state(iid("web", 0), InstanceState::exited, 1);
  Plan p = h.step_apply(300);  // failed: listed from 1300
  REQUIRE(marked(p).size() == 1);
  CHECK(marked(p)[0].state == InstanceState::failed);
  CHECK(p.failed_here.empty());
  REQUIRE(p.wake_at);
  CHECK(*p.wake_at == 1300);
  p = h.step_apply(1300);
  CHECK(p.failed_here == std::vector<InstanceId>{iid("web", 0)});
  CHECK(*p.wake_at == 61'300);
  // Moved away: the failed copy goes, the listing stays.
  h.assignment = assign({{"web", 0, "b"}});
  h.live.insert("b");
  p = h.step_apply(2000);
  CHECK(stopped(p) == Stops{{"web/0", StopReason::not_owned}});
  h.finish_stops();
  CHECK(h.step_apply(60'000).failed_here.size() == 1);
  CHECK(h.step_apply(61'300).failed_here.empty());
}

TEST_CASE("reschedule: past `attempts` other listings the instance stays failed where it is",
          "[placement][reschedule]") {
  Harness h;
  auto s = make_service("web", 1);
  s.restart.max_attempts = 0;
  s.reschedule = shoal::config::ReschedulePolicy{2, 60'000, 0};
  h.services = {s};
  h.assignment = assign({{"web", 0, "a"}});
  for (const char* other : {"b", "c"}) {
    h.live.insert(other);
    h.peers[other].failed_here = {iid("web", 0)};
  }
  h.step_apply(0);
  h.local[0].state = InstanceState::exited;
  h.local[0].refused = true;  // failed at once
  Plan p = h.step_apply(10);
  REQUIRE(marked(p).size() == 1);
  CHECK(marked(p)[0].state == InstanceState::failed);
  CHECK(h.step_apply(20).failed_here.empty());
  CHECK_FALSE(h.last.wake_at);
}

TEST_CASE("reschedule: end to end, the instance leaves the peer where it keeps failing",
          "[placement][reschedule]") {
  View v = three_peers(1);
  const std::string bad = owner(place(v), 0);
  std::map<std::string, Harness> peers;
  for (const auto& p : v.peers) {
    peers.emplace(p.name, Harness({}, p.name));
    auto& h = peers.at(p.name);
    h.services = v.services;
    for (const auto& q : v.peers) h.live.insert(q.name);
  }
  std::map<std::string, PeerStatus> statuses;
  std::set<std::string> live;
  for (const auto& p : v.peers) live.insert(p.name);
  std::string settled_on;
  for (Millis now = 0; now < 30'000; now += 100) {
    v.avoid = avoid_of(statuses, live);
    const Assignment a = place(v);
    for (auto& [name, h] : peers) {
      h.assignment = a;
      h.peers = statuses;
      h.peers.erase(name);
      h.step_apply(now);
      for (auto& l : h.local) {  // the bad peer's copies crash as they start; others run
        if (l.state == InstanceState::starting)
          l.state = name == bad ? InstanceState::exited : InstanceState::running;
        if (l.state == InstanceState::exited) l.exit_code = 1;
      }
      h.finish_stops();
    }
    for (auto& [name, h] : peers) {
      PeerStatus ps;
      for (const auto& l : h.local) ps.instances.push_back({l.id, l.state, l.spec_hash});
      ps.failed_here = h.last.failed_here;
      statuses[name] = ps;
    }
    settled_on = owner(a, 0);
  }
  CHECK(settled_on != bad);
  CHECK(statuses.at(bad).failed_here == std::vector<InstanceId>{iid("web", 0)});
  CHECK(statuses.at(settled_on).instances.size() == 1);
  CHECK(statuses.at(settled_on).instances[0].state == InstanceState::running);
  CHECK(statuses.at(bad).instances.empty());
}
