// Start-first rolling updates (update.order = "start-first") on virtual time: 4 peers, one
// instance each, statuses exchanged with a lag. The new copy of an instance starts beside the
// old one and the old one stops only once the new one is ready, so the ready copies never drop
// below `replicas`; a version that never turns healthy leaves the old copies serving; a peer
// with no room for both copies replaces stop-first and says why.
#include <catch2/catch.hpp>

#include <deque>
#include <map>
#include <tuple>

#include "placement/start_first.hpp"
#include "tests/placement/reconcile_fixture.hpp"

using namespace shoal::placement;
using namespace shoal::placement::testing;

namespace {

// starting -> running after 300 ms -> healthy after 800 ms (never for the `broken` hash);
// stops take 200 ms. Copies are told apart by (id, hash): the two copies of a start-first
// replacement run different specs.
struct StartFirstDriver {
  std::string broken;
  std::map<std::pair<InstanceId, std::string>, Millis> since;
  void tick(Harness& h, Millis now) {
    for (auto& l : h.local) {
      auto [it, fresh] = since.try_emplace({l.id, l.spec_hash}, now);
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
    auto gone = [&](const LocalInstance& l) {
      if (l.state != InstanceState::stopping || now - since[{l.id, l.spec_hash}] < 200)
        return false;
      since.erase({l.id, l.spec_hash});
      return true;
    };
    h.local.erase(std::remove_if(h.local.begin(), h.local.end(), gone), h.local.end());
  }
  void applied(const Plan& p, Millis now) {
    for (const auto& a : p.actions) {
      if (const auto* s = std::get_if<StartAction>(&a)) since[{s->id, s->spec_hash}] = now;
    }
  }
  void stopping(Harness& h, Millis now) {  // a stop's 200 ms count from when it was asked
    for (const auto& l : h.local)
      if (l.state == InstanceState::stopping) since.try_emplace({l.id, l.spec_hash}, now);
  }
};

// What the runner publishes: the current copy of each id (never the outgoing one).
PeerStatus start_first_status_of(const Harness& h) {
  PeerStatus ps;
  for (const auto& l : h.local) {
    if (l.outgoing) continue;
    InstanceStatus s;
    s.id = l.id;
    s.state = l.state;
    s.spec_hash = l.spec_hash;
    if (auto it = h.last.settled.find(l.id); it != h.last.settled.end()) s.settled = it->second;
    ps.instances.push_back(s);
  }
  std::sort(ps.instances.begin(), ps.instances.end(),
            [](const InstanceStatus& x, const InstanceStatus& y) { return x.id < y.id; });
  return ps;
}

struct StartFirstCluster {
  static constexpr int kReplicas = 4;
  std::vector<std::string> names{"a", "b", "c", "d"};
  std::vector<Harness> peers;
  std::vector<StartFirstDriver> drivers;
  Millis lag;
  std::deque<std::tuple<Millis, std::string, PeerStatus>> in_flight;
  std::vector<std::uint32_t> outgoing_order;  // indices whose old copy stopped, in order
  std::vector<StopReason> replace_stops;      // reasons of stops of current copies (replaced*)

  StartFirstCluster(const shoal::config::ServiceSpec& spec, Millis lag_ms) : lag(lag_ms) {
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
      for (const auto& a : p.actions) {
        const auto* s = std::get_if<StopAction>(&a);
        if (!s) continue;
        if (s->outgoing) {
          outgoing_order.push_back(s->id.index);
        } else if (s->reason == StopReason::replaced || s->reason == StopReason::replaced_no_room) {
          replace_stops.push_back(s->reason);
        }
      }
      drivers[i].applied(p, now);
      drivers[i].stopping(peers[i], now);
      in_flight.emplace_back(now + lag, peers[i].self, start_first_status_of(peers[i]));
    }
  }
  // Healthy copies, outgoing ones included: what serves.
  int serving() const {
    int n = 0;
    for (const auto& h : peers)
      for (const auto& l : h.local) n += l.state == InstanceState::healthy;
    return n;
  }
  int healthy_at(const std::string& hash) const {
    int n = 0;
    for (const auto& h : peers)
      for (const auto& l : h.local)
        n += l.state == InstanceState::healthy && l.spec_hash == hash && !l.outgoing;
    return n;
  }
  int outgoing() const {
    int n = 0;
    for (const auto& h : peers)
      for (const auto& l : h.local) n += l.outgoing;
    return n;
  }
};

shoal::config::ServiceSpec start_first_spec(int parallelism, const std::string& version) {
  auto s = make_service("web", StartFirstCluster::kReplicas, /*health_check=*/true);
  s.env["VERSION"] = version;
  s.update = shoal::config::UpdatePolicy{};
  s.update->parallelism = parallelism;
  s.update->min_healthy_time = 2000;
  s.update->order = shoal::config::UpdatePolicy::Order::start_first;
  return s;
}

}  // namespace

TEST_CASE("reconcile start-first: serving copies never below replicas, in id order") {
  const int parallelism = GENERATE(1, 2);
  const Millis lag = GENERATE(Millis{0}, Millis{700});
  CAPTURE(parallelism, lag);
  StartFirstCluster c(start_first_spec(parallelism, "1"), lag);
  Millis now = 0;
  for (; now < 5000; now += 100) c.tick(now);
  REQUIRE(c.serving() == StartFirstCluster::kReplicas);

  const auto v2 = start_first_spec(parallelism, "2");
  const std::string h2 = spec_hash(v2);
  c.set_spec(v2);
  int most_outgoing = 0;
  Millis done_at = -1;
  for (; now < 120'000; now += 100) {
    c.tick(now);
    REQUIRE(c.serving() >= StartFirstCluster::kReplicas);  // make-before-break: never a dip
    most_outgoing = std::max(most_outgoing, c.outgoing());
    if (done_at < 0 && c.healthy_at(h2) == StartFirstCluster::kReplicas && c.outgoing() == 0) done_at = now;
  }
  REQUIRE(done_at > 0);
  CHECK(most_outgoing == parallelism);  // the surge is the rollout's budget, no more
  CHECK(c.replace_stops.empty());       // nothing was stopped before its successor was ready
  CHECK(c.outgoing_order == std::vector<std::uint32_t>{0, 1, 2, 3});
  CHECK(c.serving() == StartFirstCluster::kReplicas);
}

TEST_CASE("reconcile start-first: a version that never turns healthy leaves the old copies serving") {
  const int parallelism = GENERATE(1, 2);
  CAPTURE(parallelism);
  StartFirstCluster c(start_first_spec(parallelism, "1"), 300);
  Millis now = 0;
  for (; now < 5000; now += 100) c.tick(now);
  const auto bad = start_first_spec(parallelism, "broken");
  for (auto& d : c.drivers) d.broken = spec_hash(bad);
  c.set_spec(bad);
  for (; now < 60'000; now += 100) {
    c.tick(now);
    REQUIRE(c.serving() == StartFirstCluster::kReplicas);
    REQUIRE(c.outgoing() <= parallelism);
  }
  CHECK(c.outgoing() == parallelism);  // stuck at the budget, the old copies still up
  CHECK(c.outgoing_order.empty());

  // A fixed version replaces the broken copies and only then lets the old ones go.
  const auto v3 = start_first_spec(parallelism, "3");
  c.set_spec(v3);
  for (; now < 180'000; now += 100) {
    c.tick(now);
    REQUIRE(c.serving() >= StartFirstCluster::kReplicas);
  }
  CHECK(c.healthy_at(spec_hash(v3)) == StartFirstCluster::kReplicas);
  CHECK(c.outgoing() == 0);
}

TEST_CASE("reconcile start-first: no room for both copies replaces stop-first and says why") {
  auto v1 = start_first_spec(1, "1");
  auto v2 = start_first_spec(1, "2");
  SECTION("max_per_peer") {
    v1.placement.max_per_peer = v2.placement.max_per_peer = 1;
  }
  SECTION("static host port") {
    v1.ports[0].host = v2.ports[0].host = 8080;
  }
  SECTION("capacity") {
    // Each peer holds one copy: 100 millicores of 150.
    // (set below on every peer's inputs)
  }
  StartFirstCluster c(v1, 0);
  if (v1.placement.max_per_peer == 0 && !v1.ports[0].host)
    for (auto& h : c.peers) h.capacity = {150, 1024};
  Millis now = 0;
  for (; now < 5000; now += 100) c.tick(now);
  c.set_spec(v2);
  int lowest = StartFirstCluster::kReplicas;
  for (; now < 60'000; now += 100) {
    c.tick(now);
    lowest = std::min(lowest, c.serving());
    REQUIRE(c.outgoing() == 0);
  }
  CHECK(c.healthy_at(spec_hash(v2)) == StartFirstCluster::kReplicas);
  CHECK(lowest == StartFirstCluster::kReplicas - 1);
  CHECK(c.replace_stops ==
        std::vector<StopReason>(StartFirstCluster::kReplicas, StopReason::replaced_no_room));
}

TEST_CASE("reconcile start-first: surge_room names what is missing") {
  auto s = start_first_spec(1, "1");
  SurgeLoad load;
  CHECK(surge_room(s, load).empty());
  load.capacity = {250, 1024};
  load.used = {200, 128};
  CHECK(surge_room(s, load) == "cpu");
  load.used = {100, 1000};
  CHECK(surge_room(s, load) == "memory");
  s.placement.max_per_peer = 2;
  load.used = {};
  load.copies_of_service = 2;
  CHECK(surge_room(s, load) == "max_per_peer 2");
  s.ports[0].host = 80;
  CHECK(surge_room(s, load) == "static host port http");
}

TEST_CASE("reconcile start-first: an outgoing copy of a deleted service stops at once") {
  StartFirstCluster c(start_first_spec(1, "1"), 0);
  Millis now = 0;
  for (; now < 5000; now += 100) c.tick(now);
  auto bad = start_first_spec(1, "broken");
  for (auto& d : c.drivers) d.broken = spec_hash(bad);
  c.set_spec(bad);
  for (; now < 8000; now += 100) c.tick(now);
  REQUIRE(c.outgoing() == 1);
  for (auto& h : c.peers) h.services.clear();
  Plan p = c.peers[0].step_apply(now);
  bool outgoing_stopped = false;
  for (const auto& a : p.actions)
    if (const auto* s = std::get_if<StopAction>(&a))
      outgoing_stopped = outgoing_stopped || (s->outgoing && s->reason == StopReason::unwanted);
  CHECK(outgoing_stopped);
}
