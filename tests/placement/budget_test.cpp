// The cluster-wide instance budget: checked before anything is allocated per instance, so a
// spec asking for 10^9 replicas costs one record and no time; the others are still placed.
#include <catch2/catch.hpp>

#include <chrono>
#include <new>

#include "placement/contained.hpp"
#include "placement/explain.hpp"
#include "placement/place.hpp"

using namespace shoal;
using namespace shoal::placement;

namespace {

View cluster(int peers) {
  View v;
  for (int i = 0; i < peers; ++i) {
    Peer p;
    p.name = "p" + std::to_string(i);
    p.cpu_milli = 64000;
    p.memory_mib = 1 << 20;
    v.peers.push_back(p);
  }
  return v;
}

config::ServiceSpec svc(const std::string& name, int replicas) {
  config::ServiceSpec s;
  s.name = name;
  s.command = {"x"};
  s.replicas = replicas;
  return s;
}

}  // namespace

TEST_CASE("budget: a spec of 10^9 replicas is refused whole, at once", "[placement][budget]") {
  View v = cluster(5);
  v.services = {svc("bomb", 1'000'000'000), svc("web", 3)};
  const auto t0 = std::chrono::steady_clock::now();
  Assignment a = place(v);
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took < std::chrono::seconds(1));
  REQUIRE(a.instances.size() == 4);
  CHECK(a.instances[0].id == InstanceId{"bomb", 0});
  CHECK_FALSE(a.instances[0].owner);
  CHECK(a.instances[0].reason ==
        "over the cluster's instance budget: 1000000000 replicas, 100000 of 100000 instances "
        "left (services are admitted by name)");
  for (int i = 1; i < 4; ++i) CHECK(a.instances[static_cast<std::size_t>(i)].owner);
  auto e = explain(v, InstanceId{"bomb", 7});
  CHECK(e.exists);
  CHECK(e.reason == a.instances[0].reason);
}

TEST_CASE("budget: services are admitted by name while the total fits", "[placement][budget]") {
  View v = cluster(3);
  Tuning t;
  t.max_instances = 10;
  v.services = {svc("c", 4), svc("a", 5), svc("b", 6)};
  Assignment a = place(v, t);
  // a (5) fits, b (6) would make 11: refused; c (4) makes 9: fits.
  std::size_t a_n = 0, b_n = 0, c_n = 0;
  for (const auto& p : a.instances) {
    INFO(p.id.to_string());
    CHECK(p.owner.has_value() == (p.id.service != "b"));
    (p.id.service == "a" ? a_n : p.id.service == "b" ? b_n : c_n) += 1;
  }
  CHECK(a_n == 5);
  CHECK(b_n == 1);
  CHECK(c_n == 4);
  CHECK(std::is_sorted(a.instances.begin(), a.instances.end(),
                       [](const Placed& x, const Placed& y) { return x.id < y.id; }));
}

TEST_CASE("budget: within it, place() is unchanged", "[placement][budget]") {
  View v = cluster(4);
  v.services = {svc("a", 7), svc("b", 2)};
  Tuning big;
  big.max_instances = 1'000'000;
  CHECK(place(v).instances.size() == 9);
  const Assignment x = place(v), y = place(v, big);
  REQUIRE(x.instances.size() == y.instances.size());
  for (std::size_t i = 0; i < x.instances.size(); ++i)
    CHECK(x.instances[i].owner == y.instances[i].owner);
}

TEST_CASE("place_contained: a view that places returns it, nothing failed", "[placement][budget]") {
  View v = cluster(2);
  v.services = {svc("a", 2), svc("bomb", 2'000'000'000)};
  Contained c = place_contained(v);
  CHECK(c.failed.empty());
  CHECK(c.assignment.instances.size() == 3);
}

namespace {

// place(), except that a view holding a service named "boom" throws, as a bug or an
// allocation failure in placement would.
Assignment throwing_place(const View& v, const Tuning& t) {
  for (const auto& s : v.services)
    if (s.name == "boom") throw std::bad_alloc();
  return place(v, t);
}

}  // namespace

TEST_CASE("place_contained: a service whose placement throws is left out, the rest placed",
          "[placement][budget]") {
  View v = cluster(3);
  v.services = {svc("a", 2), svc("boom", 3), svc("c", 1)};
  Contained c = place_contained(v, Tuning{}, throwing_place);
  REQUIRE(c.failed.size() == 1);
  CHECK(c.failed[0].first == "boom");
  CHECK(c.failed[0].second == std::bad_alloc().what());
  REQUIRE(c.assignment.instances.size() == 3);
  for (const auto& p : c.assignment.instances) {
    CHECK(p.id.service != "boom");
    CHECK(p.owner);
  }
}
