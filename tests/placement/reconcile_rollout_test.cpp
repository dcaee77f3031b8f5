// Rolling updates end to end on virtual time: 4 peers, one instance each (replicas 4), their
// statuses exchanged with a lag, a changed spec rolled out by the update policy. The number of
// healthy instances never drops below replicas - parallelism at any step, the order is the id
// order every peer agrees on, and a version that never turns healthy stays stuck at
// `parallelism` unready instances instead of replacing them all.
#include <catch2/catch.hpp>

#include <deque>
#include <set>
#include <map>

#include "placement/rollout.hpp"
#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

namespace {

// starting -> running after 300 ms -> healthy after 800 ms (never, for the `broken` hash);
// stops take 200 ms.
struct RolloutDriver {
  std::string broken;
  std::map<InstanceId, Millis> since;
  void tick(Harness& h, Millis now) {
    for (auto& l : h.local) {
      auto [it, fresh] = since.try_emplace(l.id, now);
      if (fresh) continue;
      if (l.state == InstanceState::starting && now - it->second >= 300) {
        l.state = InstanceState::running;
        it->second = now;
      } else if (l.state == InstanceState::running && now - it->second >= 800 &&
                 l.spec_hash != broken) {
        l.state = InstanceState::healthy;
        it->second = now;
      }
    }
    std::vector<InstanceId> gone;
    for (auto& l : h.local)
      if (l.state == InstanceState::stopping && now - since[l.id] >= 200) gone.push_back(l.id);
    for (const auto& id : gone) {
      h.erase(id);
      since.erase(id);
    }
  }
  void applied(const Plan& p, Millis now) {
    for (const auto& a : p.actions) {
      if (const auto* s = std::get_if<StartAction>(&a)) since[s->id] = now;
      if (const auto* s = std::get_if<StopAction>(&a)) since[s->id] = now;
    }
  }
};

PeerStatus rollout_status_of(const Harness& h) {
  PeerStatus ps;
  for (const auto& l : h.local) {
    InstanceStatus s;
    s.id = l.id;
    s.state = l.state;
    s.spec_hash = l.spec_hash;
    if (auto it = h.last.settled.find(l.id); it != h.last.settled.end()) s.settled = it->second;
    s.overdue = h.last.overdue.count(l.id) > 0;
    ps.instances.push_back(s);
  }
  std::sort(ps.instances.begin(), ps.instances.end(),
            [](const InstanceStatus& x, const InstanceStatus& y) { return x.id < y.id; });
  return ps;
}

struct Cluster {
  static constexpr int kReplicas = 4;
  std::vector<std::string> names{"a", "b", "c", "d"};
  std::vector<Harness> peers;
  std::vector<RolloutDriver> drivers;
  Millis lag;  // a status reaches the others this late
  bool instant = false;  // a started copy runs at once (the process driver), no health check
  std::deque<std::tuple<Millis, std::string, PeerStatus>> in_flight;
  std::vector<std::uint32_t> replaced_order;  // indices in the order their old copies stopped

  Cluster(const shoal::config::ServiceSpec& spec, Millis lag_ms) : lag(lag_ms) {
    std::vector<std::tuple<std::string, std::uint32_t, std::string>> rows;
    for (int i = 0; i < kReplicas; ++i)
      rows.emplace_back("web", static_cast<std::uint32_t>(i), names[static_cast<std::size_t>(i)]);
    for (const auto& n : names) {
      peers.emplace_back(shoal::config::PeerConfig::Reconcile{}, n);
      peers.back().services = {spec};
      peers.back().assignment = assign(rows);
      for (const auto& o : names) peers.back().live.insert(o);
    }
    drivers.resize(names.size());
  }
  void set_spec(const shoal::config::ServiceSpec& spec) {
    for (auto& h : peers) h.services = {spec};
  }
  void tick(Millis now) {
    for (std::size_t i = 0; i < peers.size(); ++i) drivers[i].tick(peers[i], now);
    while (!in_flight.empty() && std::get<0>(in_flight.front()) <= now) {
      auto& [at, from, st] = in_flight.front();
      for (auto& h : peers)
        if (h.self != from) h.peers[from] = st;
      in_flight.pop_front();
    }
    for (std::size_t i = 0; i < peers.size(); ++i) {
      Plan p = peers[i].step_apply(now);
      for (const auto& [id, reason] : stopped(p))
        if (reason == StopReason::replaced) replaced_order.push_back(static_cast<std::uint32_t>(id.back() - '0'));
      drivers[i].applied(p, now);
      if (instant)
        for (const auto& id : started(p))
          for (auto& l : peers[i].local)
            if (l.id.to_string() == id) l.state = InstanceState::running;
      in_flight.emplace_back(now + lag, peers[i].self, rollout_status_of(peers[i]));
    }
  }
  static bool ready(const LocalInstance& l) {
    return l.state == InstanceState::healthy || l.state == InstanceState::running;
  }
  int healthy() const {
    int n = 0;
    for (const auto& h : peers)
      for (const auto& l : h.local) n += l.state == InstanceState::healthy;
    return n;
  }
  int running_at(const std::string& hash) const {
    int n = 0;
    for (const auto& h : peers)
      for (const auto& l : h.local) n += ready(l) && l.spec_hash == hash;
    return n;
  }
  int at_hash_healthy(const std::string& hash) const {
    int n = 0;
    for (const auto& h : peers)
      for (const auto& l : h.local) n += l.state == InstanceState::healthy && l.spec_hash == hash;
    return n;
  }
  int not_ready_new(const std::string& hash) const {
    int n = 0;
    for (const auto& h : peers)
      for (const auto& l : h.local) n += l.spec_hash == hash && l.state != InstanceState::healthy;
    return n;
  }
};

shoal::config::ServiceSpec web(int parallelism, const std::string& version) {
  auto s = make_service("web", Cluster::kReplicas, /*health_check=*/true);
  s.env["VERSION"] = version;
  s.update = shoal::config::UpdatePolicy{};
  s.update->parallelism = parallelism;
  s.update->min_healthy_time = 2000;
  return s;
}

}  // namespace

TEST_CASE("reconcile rollout: healthy never below replicas - parallelism, in id order") {
  const int parallelism = GENERATE(1, 2);
  const Millis lag = GENERATE(Millis{0}, Millis{700});
  CAPTURE(parallelism, lag);
  Cluster c(web(parallelism, "1"), lag);
  Millis now = 0;
  for (; now < 5000; now += 100) c.tick(now);
  REQUIRE(c.healthy() == Cluster::kReplicas);

  const auto v2 = web(parallelism, "2");
  const std::string h2 = spec_hash(v2);
  c.set_spec(v2);
  int lowest = Cluster::kReplicas;
  Millis done_at = -1;
  for (; now < 120'000; now += 100) {
    c.tick(now);
    lowest = std::min(lowest, c.healthy());
    REQUIRE(c.healthy() >= Cluster::kReplicas - parallelism);
    if (done_at < 0 && c.at_hash_healthy(h2) == Cluster::kReplicas) done_at = now;
  }
  CHECK(lowest == Cluster::kReplicas - parallelism);  // the budget is used, not wasted
  REQUIRE(done_at > 0);
  CHECK(c.replaced_order == std::vector<std::uint32_t>{0, 1, 2, 3});
  // Each wave waits min_healthy_time (2 s) after its instances turn healthy.
  CHECK(done_at >= (Cluster::kReplicas / parallelism - 1) * 2000);
}

TEST_CASE("reconcile rollout: a version that never turns healthy stays at parallelism instances") {
  const int parallelism = GENERATE(1, 2);
  CAPTURE(parallelism);
  Cluster c(web(parallelism, "1"), 300);
  Millis now = 0;
  for (; now < 5000; now += 100) c.tick(now);
  const auto bad = web(parallelism, "broken");
  for (auto& d : c.drivers) d.broken = spec_hash(bad);
  c.set_spec(bad);
  for (; now < 300'000; now += 100) {
    c.tick(now);
    REQUIRE(c.not_ready_new(spec_hash(bad)) <= parallelism);
  }
  CHECK(c.not_ready_new(spec_hash(bad)) == parallelism);
  CHECK(c.healthy() == Cluster::kReplicas - parallelism);
  CHECK(c.replaced_order.size() == static_cast<std::size_t>(parallelism));
}

TEST_CASE("reconcile rollout: a version not healthy within healthy_deadline is failed by all") {
  auto v1 = web(2, "1");
  Cluster c(v1, 300);
  Millis now = 0;
  for (; now < 5000; now += 100) c.tick(now);
  auto bad = web(2, "broken");
  bad.update->healthy_deadline = 10'000;
  for (auto& d : c.drivers) d.broken = spec_hash(bad);
  c.set_spec(bad);
  // Each peer's verdict from the statuses it holds (its own from its last plan).
  auto verdicts = [&] {
    std::set<Deployment> out;
    for (const auto& h : c.peers) {
      std::vector<RolloutReport> reports;
      for (const auto& p : h.assignment.instances) {
        const PeerStatus st = *p.owner == h.self ? rollout_status_of(h) : h.peers.at(*p.owner);
        RolloutReport r{p.id};
        if (const auto* s = st.find(p.id))
          r = {p.id, true, s->state, s->spec_hash, s->settled, s->overdue};
        reports.push_back(r);
      }
      out.insert(deployment_state(bad, spec_hash(bad), reports));
    }
    return out;
  };
  const Millis t0 = now;
  for (; now < t0 + 9'000; now += 100) {
    c.tick(now);
    REQUIRE(verdicts() == std::set<Deployment>{Deployment::rolling});
  }
  for (; now < t0 + 13'000; now += 100) c.tick(now);
  CHECK(verdicts() == std::set<Deployment>{Deployment::failed});
  // The two stuck copies are the ones overdue, reported by their owners.
  std::set<std::string> overdue;
  for (const auto& h : c.peers)
    for (const auto& id : h.last.overdue) overdue.insert(id.to_string());
  CHECK(overdue == std::set<std::string>{"web/0", "web/1"});
}

TEST_CASE("reconcile rollout: without an update table a spec change is replaced as before") {
  // The legacy replacement (one at a time as far as gossip shows, no min_healthy_time) still
  // runs when the table is absent, and nothing reports settledness. Unlike the policy's window
  // it has no bound under lag: here two peers replace at once (healthy drops to 2 of 4).
  auto v1 = web(1, "1");
  v1.update.reset();
  Cluster c(v1, 0);
  Millis now = 0;
  for (; now < 5000; now += 100) c.tick(now);
  auto v2 = web(1, "2");
  v2.update.reset();
  c.set_spec(v2);
  for (; now < 60'000; now += 100) c.tick(now);
  CHECK(c.at_hash_healthy(spec_hash(v2)) == Cluster::kReplicas);
  for (const auto& h : c.peers) CHECK(h.last.settled.empty());  // nothing said without a policy
}

TEST_CASE("reconcile rollout: a copy running at once is not settled before min_healthy_time") {
  // The process driver reports a started copy `running` at once; without a health check that
  // is ready. Its status must still say "not settled" from the start, or the next wave would
  // begin without waiting min_healthy_time (found on real peers).
  auto v1 = web(1, "1");
  v1.health = {};
  Cluster c(v1, 0);
  c.instant = true;
  Millis now = 0;
  for (; now < 5000; now += 100) c.tick(now);
  auto v2 = web(1, "2");
  v2.health = {};
  c.set_spec(v2);
  const Millis t0 = now;
  Millis done_at = -1;
  for (; now < 60'000 && done_at < 0; now += 100) {
    c.tick(now);
    if (c.running_at(spec_hash(v2)) == Cluster::kReplicas) done_at = now;
  }
  REQUIRE(done_at > 0);
  CHECK(done_at - t0 >= 3 * 2000);  // three waits of min_healthy_time between four waves
  CHECK(c.replaced_order == std::vector<std::uint32_t>{0, 1, 2, 3});
}
