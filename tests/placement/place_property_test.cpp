// Property tests of placement::place over seeded random views. Each case prints its seed
// (Catch2 CAPTURE) so a failure replays with that seed alone.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "placement/place.hpp"
#include "place_gen.hpp"

namespace sp = shoal::placement;
using sp::testing::GenOptions;
using sp::testing::Rng;
using sp::testing::random_view;

namespace {

constexpr std::uint64_t kSeeds = 150;

bool holds(const shoal::config::Constraint& c, const sp::Peer& p) {  // the test's own reading
  std::optional<std::string> v;
  if (c.attr == shoal::config::Constraint::Attr::name) v = p.name;
  else if (c.attr == shoal::config::Constraint::Attr::zone) v = p.zone;
  else if (auto it = p.labels.find(c.label); it != p.labels.end()) v = it->second;
  const bool hit = v && std::find(c.values.begin(), c.values.end(), *v) != c.values.end();
  const bool positive = c.op == shoal::config::Constraint::Op::eq || c.op == shoal::config::Constraint::Op::in;
  return positive ? hit : !hit;
}

std::string same(const sp::Assignment& a, const sp::Assignment& b) {
  if (a.instances.size() != b.instances.size()) return "sizes differ";
  for (std::size_t i = 0; i < a.instances.size(); ++i) {
    if (a.instances[i].id != b.instances[i].id || a.instances[i].owner != b.instances[i].owner ||
        a.instances[i].reason != b.instances[i].reason)
      return "differs at " + a.instances[i].id.to_string();
  }
  return "";
}

// Every invariant place() promises; returns the first violation, or "".
std::string violation(const sp::View& v, const sp::Assignment& a) {
  std::map<std::string, const sp::Peer*> peers;
  for (const auto& p : v.peers) peers[p.name] = &p;
  std::map<std::string, const shoal::config::ServiceSpec*> services;
  std::size_t expected = 0;
  for (const auto& s : v.services) {
    services[s.name] = &s;
    expected += static_cast<std::size_t>(std::max(0, s.replicas));
  }
  if (a.instances.size() != expected) return "instance count";
  if (a.algorithm_version != sp::kAlgorithmVersion) return "algorithm version";
  std::uint32_t lowest = ~0u;
  for (const auto& p : v.peers)
    if (p.state == sp::MemberState::alive || p.state == sp::MemberState::suspect)
      lowest = std::min(lowest, p.algorithm_version);
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> used;
  std::map<std::pair<std::string, std::string>, int> per_peer;
  std::map<std::pair<std::string, std::string>, int> per_zone;
  std::set<std::pair<std::string, std::uint16_t>> ports;
  for (std::size_t i = 0; i < a.instances.size(); ++i) {
    const auto& in = a.instances[i];
    if (i > 0 && !(a.instances[i - 1].id < in.id)) return "not sorted";
    const auto* spec = services.at(in.id.service);
    if (!in.owner) {
      if (in.reason.empty()) return in.id.to_string() + " unplaced without a reason";
      continue;
    }
    if (!in.reason.empty()) return in.id.to_string() + " placed with a reason";
    const sp::Peer* p = peers.at(*in.owner);
    if (!(p->state == sp::MemberState::alive || p->state == sp::MemberState::suspect) || !p->ready ||
        !p->schedulable || p->algorithm_version != lowest)
      return in.id.to_string() + " on ineligible " + p->name;
    for (const auto& c : spec->placement.constraints)
      if (!holds(c, *p)) return in.id.to_string() + " violates a constraint on " + p->name;
    used[p->name].first += spec->resources.cpu_milli;
    used[p->name].second += spec->resources.memory_mib;
    if (used[p->name].first > p->cpu_milli || used[p->name].second > p->memory_mib)
      return p->name + " over capacity";
    const int n = ++per_peer[{spec->name, p->name}];
    if (spec->placement.max_per_peer > 0 && n > spec->placement.max_per_peer)
      return spec->name + " over max_per_peer on " + p->name;
    for (const auto& port : spec->ports)
      if (port.host && !ports.insert({p->name, *port.host}).second)
        return "host port " + std::to_string(*port.host) + " twice on " + p->name;
    ++per_zone[{spec->name, p->zone}];
  }
  // Zone spread: no zone holds more than ceil(replicas / eligible zones) of a service
  // (home services at home are exempt).
  for (const auto& [name, spec] : services) {
    if (spec->placement.spread != shoal::config::Placement::Spread::zone || spec->placement.home) continue;
    std::set<std::string> zones;
    for (const auto& p : v.peers) {
      bool ok = (p.state == sp::MemberState::alive || p.state == sp::MemberState::suspect) && p.ready &&
                p.schedulable && p.algorithm_version == lowest;
      for (const auto& c : spec->placement.constraints) ok = ok && holds(c, p);
      if (ok) zones.insert(p.zone);
    }
    if (zones.empty()) continue;
    const int quota = (spec->replicas + static_cast<int>(zones.size()) - 1) / static_cast<int>(zones.size());
    for (const auto& z : zones)
      if (per_zone[{name, z}] > quota) return name + " over its quota in zone " + z;
  }
  return "";
}

}  // namespace

TEST_CASE("place: identical result for shuffled peers and services", "[placement][property]") {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    CAPTURE(seed);
    sp::View v = random_view(seed);
    const auto a = sp::place(v);
    Rng rng{seed * 7919};
    sp::testing::shuffle(v.peers, rng);
    sp::testing::shuffle(v.services, rng);
    REQUIRE(same(a, sp::place(v)) == "");
  }
}

TEST_CASE("place: invariants hold (capacity, constraints, spread, ports, max_per_peer, reasons)",
          "[placement][property]") {
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    CAPTURE(seed);
    GenOptions o;
    o.load_percent = 30 + static_cast<int>(seed % 4) * 30;  // 30..120%: capacity often binds
    const sp::View v = random_view(seed, o);
    REQUIRE(violation(v, sp::place(v)) == "");
  }
}

TEST_CASE("place: invariants and shuffle-independence hold in the candidate-group path",
          "[placement][property]") {
  sp::Tuning grouped;
  grouped.subset_above = 4;  // groups of peers even in small views
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    CAPTURE(seed);
    GenOptions o;
    o.load_percent = 40 + static_cast<int>(seed % 3) * 40;
    sp::View v = random_view(seed, o);
    const auto a = sp::place(v, grouped);
    REQUIRE(violation(v, a) == "");
    Rng rng{seed};
    sp::testing::shuffle(v.peers, rng);
    sp::testing::shuffle(v.services, rng);
    REQUIRE(same(a, sp::place(v, grouped)) == "");
  }
}

TEST_CASE("place: when capacity does not bind, only the dead peer's instances move",
          "[placement][property]") {
  sp::Tuning uncapped;
  uncapped.balance_num = 0;  // the balance cap is a capacity too: lift it here
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    CAPTURE(seed);
    GenOptions o;
    o.features = false;
    o.load_percent = 5;
    sp::View v = random_view(seed, o);
    if (v.peers.size() < 2) continue;
    const auto before = sp::place(v, uncapped);
    Rng rng{seed};
    const std::size_t dead = rng.below(v.peers.size());
    CAPTURE(v.peers[dead].name);
    v.peers[dead].state = sp::MemberState::dead;
    const auto after = sp::place(v, uncapped);
    for (std::size_t i = 0; i < before.instances.size(); ++i) {
      CAPTURE(before.instances[i].id.to_string());
      REQUIRE(after.instances[i].owner.has_value());
      if (*before.instances[i].owner != v.peers[dead].name)
        REQUIRE(*after.instances[i].owner == *before.instances[i].owner);
      else
        REQUIRE(*after.instances[i].owner != v.peers[dead].name);
    }
    // And, without spread, a joining peer only takes instances: nothing moves between the
    // others. (With spread, a join may move a few others: see place_spread_test.cpp.)
    v.peers[dead].state = sp::MemberState::alive;
    for (auto& s : v.services) s.placement.spread = shoal::config::Placement::Spread::none;
    const auto plain = sp::place(v, uncapped);
    v.peers.push_back(sp::testing::make_peer("joiner", 16000, 32000));
    const auto joined = sp::place(v, uncapped);
    for (std::size_t i = 0; i < plain.instances.size(); ++i)
      if (*joined.instances[i].owner != "joiner")
        REQUIRE(*joined.instances[i].owner == *plain.instances[i].owner);
  }
}

TEST_CASE("place: home services stay home, spread when it is gone, and return",
          "[placement][property]") {
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    CAPTURE(seed);
    Rng rng{seed};
    sp::View v;
    const std::size_t peers = 4 + rng.below(6);
    for (std::size_t i = 0; i < peers; ++i)
      v.peers.push_back(sp::testing::make_peer("host-" + std::to_string(i), 8000, 16000));
    const std::string home = "host-" + std::to_string(rng.below(peers));
    auto svc = sp::testing::make_service("compose", 8, 250, 256);
    svc.placement.home = true;
    svc.home_peer = home;
    v.services.push_back(svc);
    v.services.push_back(sp::testing::make_service("other", 20, 500, 512));
    auto owners = [&](const sp::Assignment& a) {
      std::map<std::string, int> count;
      for (const auto& in : a.instances)
        if (in.id.service == "compose" && in.owner) ++count[*in.owner];
      return count;
    };
    auto at_home = owners(sp::place(v));
    REQUIRE(at_home.size() == 1);
    REQUIRE(at_home[home] == 8);

    for (auto& p : v.peers)
      if (p.name == home) p.state = sp::MemberState::dead;
    auto away = owners(sp::place(v));
    REQUIRE(away.count(home) == 0);
    int total = 0;
    for (const auto& [peer, n] : away) total += n;
    REQUIRE(total == 8);
    REQUIRE(away.size() >= 2);  // spread, not piled on one peer

    for (auto& p : v.peers)
      if (p.name == home) p.state = sp::MemberState::alive;
    REQUIRE(owners(sp::place(v)) == at_home);
  }
}
