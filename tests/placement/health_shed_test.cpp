// Health shedding on virtual time (placement/health_shed.hpp): a service whose instances keep
// failing health checks here while healthy on other peers is shed (its instances here listed
// as failed here, so every peer places them elsewhere); one failing everywhere is not; the
// shed clears after `interval`; what other peers claim cannot make a host shed on its own,
// and nothing kept grows with their lists.
#include <catch2/catch.hpp>

#include "placement/health_shed.hpp"
#include "placement/spec_hash.hpp"
#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

namespace {

constexpr Millis kInterval = 60'000;

shoal::config::ServiceSpec sheddable(const std::string& name, int replicas, int attempts = 2) {
  auto s = make_service(name, replicas, true);
  s.restart.delay = 100;
  s.restart.max_delay = 100;
  s.restart.max_attempts = 50;  // far away: shedding, not `failed`, moves it
  s.reschedule = shoal::config::ReschedulePolicy{attempts, kInterval, 0};
  return s;
}

// One health failure of `id` on harness `h` at `now`: it turns unhealthy (a step sees it),
// then its stop ends it (a step marks it) and its restart starts it again.
void fail_once(Harness& h, const InstanceId& id, Millis now) {
  h.set_state(id, InstanceState::unhealthy);
  h.step_apply(now);
  h.set_state(id, InstanceState::exited, 1);
  h.step_apply(now + 10);
  h.step_apply(now + 200);  // restarted: starting again
}

// Peer "a" runs web/0; "b" owns web/1 and reports it `state` at `hash`.
Harness two_peers(const shoal::config::ServiceSpec& s, InstanceState state, std::string hash = "") {
  Harness h;
  h.services = {s};
  h.assignment = assign({{s.name, 0, "a"}, {s.name, 1, "b"}});
  h.report("b", iid(s.name, 1), state, hash.empty() ? spec_hash(s) : hash);
  h.step_apply(0);
  REQUIRE(h.find(iid(s.name, 0)));
  return h;
}

}  // namespace

TEST_CASE("health shed: failing here while healthy elsewhere sheds the service",
          "[placement][reschedule][shed]") {
  const auto s = sheddable("web", 2);
  Harness h = two_peers(s, InstanceState::healthy);
  fail_once(h, iid("web", 0), 1000);
  CHECK(h.last.shed.empty());  // one failure of two (attempts = 2)
  CHECK(h.last.failed_here.empty());
  h.set_state(iid("web", 0), InstanceState::unhealthy);
  Plan p = h.step_apply(2000);  // the second: shed, listed at once (delay 0)
  REQUIRE(p.shed.size() == 1);
  CHECK(p.shed[0].service == "web");
  CHECK(p.shed[0].failures == 2);
  CHECK_FALSE(p.shed[0].host);
  CHECK(p.failed_here == std::vector<InstanceId>{iid("web", 0)});
  // Staying unhealthy over several steps counts once.
  h.step_apply(2100);
  CHECK(h.last.shed[0].failures == 2);
}

TEST_CASE("health shed: a service failing everywhere (or healthy only at another version) stays",
          "[placement][reschedule][shed]") {
  const auto s = sheddable("web", 2);
  for (auto [state, hash] : {std::pair{InstanceState::unhealthy, std::string()},
                             std::pair{InstanceState::starting, std::string()},
                             std::pair{InstanceState::healthy, std::string("0000000000000000")}}) {
    Harness h = two_peers(s, state, hash);
    for (int k = 0; k < 6; ++k) fail_once(h, iid("web", 0), 1000 + 1000 * k);
    INFO("b reports web/1 " << to_string(state) << " at " << (hash.empty() ? "our hash" : hash));
    CHECK(h.last.shed.empty());
    CHECK(h.last.failed_here.empty());
  }
}

TEST_CASE("health shed: the shed and its listing clear after interval",
          "[placement][reschedule][shed]") {
  const auto s = sheddable("web", 2);
  Harness h = two_peers(s, InstanceState::healthy);
  fail_once(h, iid("web", 0), 1000);
  h.set_state(iid("web", 0), InstanceState::unhealthy);
  REQUIRE(h.step_apply(2000).failed_here.size() == 1);
  // Every peer places web/0 on b now: the copy here goes, the listing stays.
  h.assignment = assign({{"web", 0, "b"}, {"web", 1, "b"}});
  h.report("b", iid("web", 0), InstanceState::healthy, spec_hash(s));
  h.set_state(iid("web", 0), InstanceState::exited, 1);
  h.step_apply(2010);
  h.finish_stops();
  Plan p = h.step_apply(2100);
  CHECK(p.failed_here == std::vector<InstanceId>{iid("web", 0)});
  CHECK(p.shed.size() == 1);
  REQUIRE(p.wake_at);
  CHECK(*p.wake_at == 1000 + kInterval);  // the first failure leaves the window
  p = h.step_apply(1000 + kInterval);     // one failure left: still shed (latched)
  CHECK(p.shed.size() == 1);
  CHECK(p.shed[0].failures == 1);
  CHECK(p.failed_here.size() == 1);
  p = h.step_apply(2000 + kInterval);  // both out of the window, the listing over
  CHECK(p.shed.empty());
  CHECK(p.failed_here.empty());
  CHECK_FALSE(p.wake_at);
  // Back on its first choice, a single failure does not shed it again.
  h.assignment = assign({{"web", 0, "a"}, {"web", 1, "b"}});
  h.step_apply(2100 + kInterval);
  fail_once(h, iid("web", 0), 3000 + kInterval);
  CHECK(h.last.shed.empty());
}

TEST_CASE("health shed: two services failing here while healthy elsewhere shed the host",
          "[placement][reschedule][shed]") {
  const auto web = sheddable("web", 2, 5), db = sheddable("db", 2, 5);
  Harness h;
  h.services = {web, db};
  h.assignment = assign({{"db", 0, "a"}, {"db", 1, "b"}, {"web", 0, "a"}, {"web", 1, "b"}});
  h.report("b", iid("web", 1), InstanceState::healthy, spec_hash(web));
  h.report("b", iid("db", 1), InstanceState::healthy, spec_hash(db));
  h.step_apply(0);
  fail_once(h, iid("web", 0), 1000);
  CHECK(h.last.shed.empty());  // one service failing: 1 of its 5 attempts
  fail_once(h, iid("db", 0), 2000);
  REQUIRE(h.last.shed.size() == 2);
  CHECK(h.last.shed[0] == ShedService{"db", 1, true});
  CHECK(h.last.shed[1] == ShedService{"web", 1, true});
  CHECK(h.last.failed_here == std::vector<InstanceId>{iid("db", 0), iid("web", 0)});
}

TEST_CASE("health shed: past `attempts` other listings the instance stays",
          "[placement][reschedule][shed]") {
  const auto s = sheddable("web", 2);
  Harness h = two_peers(s, InstanceState::healthy);
  for (const char* other : {"c", "d"}) {
    h.live.insert(other);
    h.peers[other].failed_here = {iid("web", 0)};
  }
  fail_once(h, iid("web", 0), 1000);
  fail_once(h, iid("web", 0), 2000);
  CHECK(h.last.shed.size() == 1);  // shed, but web/0 left 2 peers already: not listed
  CHECK(h.last.failed_here.empty());
}

namespace {

InstanceStatus healthy(const InstanceId& id, const std::string& hash) {
  InstanceStatus s;
  s.id = id;
  s.state = InstanceState::healthy;
  s.spec_hash = hash;
  return s;
}

// HealthShed alone: one local instance of web failing, n times.
struct Alone {
  HealthShed shed;
  std::vector<shoal::config::ServiceSpec> services{sheddable("web", 3), sheddable("db", 3)};
  Assignment assignment = assign({{"db", 0, "a"}, {"db", 1, "b"}, {"db", 2, "c"},
                                  {"web", 0, "a"}, {"web", 1, "b"}, {"web", 2, "c"}});
  std::map<std::string, PeerStatus> peers;
  std::set<std::string> live{"a", "b", "c"};

  ShedVerdict decide(Millis now) {
    return shed.decide({now, "a", &services, &assignment, &peers, &live});
  }
  // `service`/0 here enters unhealthy n times, from `from` on, at its spec's hash.
  void fail(const std::string& service, int n, Millis from) {
    const std::string hash = spec_hash(services[service == "web" ? 0 : 1]);
    for (int k = 0; k < n; ++k) {
      shed.observe(from + 2 * k, {LocalInstance{iid(service, 0), hash, InstanceState::starting}});
      shed.observe(from + 2 * k + 1,
                   {LocalInstance{iid(service, 0), hash, InstanceState::unhealthy}});
    }
  }
};

}  // namespace

TEST_CASE("health shed: other peers' claims cannot shed a host, nor grow what it keeps",
          "[placement][reschedule][shed]") {
  Alone x;
  const std::string web_hash = spec_hash(x.services[0]), db_hash = spec_hash(x.services[1]);
  // A liar: every instance of every service healthy, owned or not, plus a huge list.
  PeerStatus& liar = x.peers["b"];
  for (const char* svc : {"db", "web", "zz"})
    for (std::uint32_t i = 0; i < 10'000; ++i)
      liar.instances.push_back(healthy(iid(svc, i), std::string(svc) == "db" ? db_hash : web_hash));
  std::sort(liar.instances.begin(), liar.instances.end(),
            [](const InstanceStatus& p, const InstanceStatus& q) { return p.id < q.id; });
  for (std::uint32_t i = 0; i < 10'000; ++i) liar.failed_here.push_back(iid("web", i));
  liar.shed = {{"web", 1000, true}, {"db", 1000, true}};
  // No failure here: nothing is shed, whatever it says.
  CHECK(x.decide(0).shed.empty());
  CHECK(x.shed.services_kept() == 0);
  // One failure here (attempts = 2), one service: not shed.
  x.fail("web", 1, 10);
  CHECK(x.decide(20).shed.empty());
  // Claims about instances a peer does not own, from a dead peer, or under our own name count
  // for nothing: with "b" owning none of db, db fails here without being healthy elsewhere,
  // and web's only healthy claim is from a dead peer.
  Alone y;
  y.assignment = assign({{"db", 0, "a"}, {"db", 1, "a"}, {"web", 0, "a"}, {"web", 1, "z"}});
  y.peers["b"] = liar;
  y.peers["z"].instances = {healthy(iid("web", 1), web_hash)};  // not live
  y.peers["a"].instances = {healthy(iid("db", 1), db_hash)};    // self
  y.fail("web", 5, 10);
  y.fail("db", 5, 100);
  CHECK(y.decide(200).shed.empty());
  // Memory: failures kept per service are capped, instances kept are this peer's own.
  Alone z;
  z.peers["b"] = liar;
  z.fail("web", 1'000, 0);
  const auto v = z.decide(20'001);
  REQUIRE(v.shed.size() == 1);
  CHECK(v.shed[0].failures == static_cast<int>(HealthShed::kMaxKept));
  CHECK(z.shed.services_kept() == 1);
  CHECK(z.shed.instances_kept() == 1);
  // A failure at another version (nobody healthy at it) starts afresh: the shed clears.
  const std::string v2 = "ffffffffffffffff";
  z.shed.observe(20'009, {LocalInstance{iid("web", 0), v2, InstanceState::starting}});
  z.shed.observe(20'010, {LocalInstance{iid("web", 0), v2, InstanceState::unhealthy}});
  CHECK(z.decide(20'011).shed.empty());
  // A service that loses its reschedule table is forgotten.
  z.services[0].reschedule.reset();
  z.services[1].reschedule.reset();
  CHECK(z.decide(20'012).shed.empty());
  CHECK(z.shed.services_kept() == 0);
}
