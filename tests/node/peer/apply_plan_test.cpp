// apply --plan's decisions on a fixed view: new, changed and unchanged services, and each
// instance's action (start, restart, move, stop, keep, unplaced).
#include <catch2/catch.hpp>

#include <set>

#include "node/peer/apply_plan.hpp"
#include "placement/contained.hpp"

using namespace shoal;
using node::plan_apply;

namespace {

placement::View three_peers() {
  placement::View v;
  for (const char* n : {"p0", "p1", "p2"}) {
    placement::Peer p;
    p.name = n;
    p.cpu_milli = 4000;
    p.memory_mib = 4096;
    v.peers.push_back(p);
  }
  return v;
}

config::ServiceSpec service(const std::string& name, int replicas, const std::string& arg) {
  config::ServiceSpec s;
  s.name = name;
  s.command = {"sleep", arg};
  s.replicas = replicas;
  return s;
}

const node::PlannedInstance& at(const node::PlannedService& s, std::uint32_t index) {
  for (const auto& i : s.instances)
    if (i.index == index) return i;
  FAIL("no instance " << index);
  return s.instances.front();
}

}  // namespace

TEST_CASE("plan: a new service starts each instance where placement puts it", "[node][plan]") {
  auto view = three_peers();
  const auto now = placement::place_contained(view).assignment;
  auto plan = plan_apply(view, now, {service("web", 3, "1")});
  REQUIRE(plan.services.size() == 1);
  const auto& web = plan.services[0];
  CHECK(web.change == "new");
  CHECK(web.spec_hash_now.empty());
  REQUIRE(web.instances.size() == 3);
  std::set<std::string> peers;
  for (const auto& i : web.instances) {
    CHECK(i.action == "start");
    CHECK_FALSE(i.from);
    REQUIRE(i.to);
    peers.insert(*i.to);
  }
  CHECK(peers.size() == 3);  // spread over the peers by default
}

TEST_CASE("plan: the same spec keeps everything, a changed one replaces, fewer replicas stop",
          "[node][plan]") {
  auto view = three_peers();
  view.services = {service("web", 3, "1")};
  const auto now = placement::place_contained(view).assignment;

  auto same = plan_apply(view, now, {service("web", 3, "1")});
  CHECK(same.services[0].change == "unchanged");
  for (const auto& i : same.services[0].instances) {
    CHECK(i.action == "keep");
    CHECK(i.from == i.to);
  }

  auto changed = plan_apply(view, now, {service("web", 2, "2")});
  const auto& web = changed.services[0];
  CHECK(web.change == "changed");
  CHECK(web.spec_hash_now != web.spec_hash_next);
  CHECK(at(web, 2).action == "stop");
  CHECK_FALSE(at(web, 2).to);
  for (std::uint32_t i : {0u, 1u}) {
    INFO(i);
    CHECK((at(web, i).action == "restart" || at(web, i).action == "move"));
    CHECK(at(web, i).action == (at(web, i).from == at(web, i).to ? "restart" : "move"));
  }
}

TEST_CASE("plan: what no peer can hold is unplaced, with placement's reason", "[node][plan]") {
  auto view = three_peers();
  auto big = service("big", 1, "1");
  big.resources.memory_mib = 1 << 20;  // 1 TiB
  auto plan = plan_apply(view, placement::place_contained(view).assignment, {big});
  const auto& i = plan.services[0].instances.at(0);
  CHECK(i.action == "unplaced");
  CHECK_FALSE(i.reason.empty());
  const auto j = node::apply_plan_json(plan);
  CHECK(j["services"][0]["instances"][0]["to"].is_null());
  CHECK(j["services"][0]["spec_hash_now"].is_null());
  CHECK(j["services"][0]["instances"][0]["action"] == "unplaced");
}

TEST_CASE("plan: other services' instances are listed only when the file moves them",
          "[node][plan]") {
  auto view = three_peers();
  view.services = {service("db", 1, "1")};
  const auto now = placement::place_contained(view).assignment;
  auto plan = plan_apply(view, now, {service("web", 1, "1")});
  REQUIRE(plan.services.size() == 1);
  CHECK(plan.services[0].service == "web");
  CHECK(plan.others.empty());  // room enough: db stays

  // One peer with room for one 3 GiB instance: placement takes services in name order, so a
  // 3 GiB `aaa` takes db's room and db goes unplaced; the plan says so.
  placement::View tight;
  placement::Peer p;
  p.name = "p0";
  p.cpu_milli = 4000;
  p.memory_mib = 4096;
  tight.peers = {p};
  auto db = service("db", 1, "1");
  db.resources.memory_mib = 3072;
  tight.services = {db};
  const auto before = placement::place_contained(tight).assignment;
  auto web = service("aaa", 1, "1");  // sorts before db: placed first
  web.resources.memory_mib = 3072;
  auto squeezed = plan_apply(tight, before, {web});
  CHECK(squeezed.services[0].instances.at(0).action == "start");
  REQUIRE(squeezed.others.size() == 1);
  CHECK(squeezed.others[0].service == "db");
  const auto& lost = squeezed.others[0].instances.at(0);
  CHECK(lost.action == "unplaced");
  CHECK(lost.from == std::optional<std::string>("p0"));
  CHECK_FALSE(lost.reason.empty());
}

TEST_CASE("plan: a changed spec held by canaries restarts its canaries, the rest after promote",
          "[node][plan][canary]") {
  auto view = three_peers();
  view.services = {service("web", 3, "1")};
  const auto now = placement::place_contained(view).assignment;
  auto next = service("web", 3, "2");
  next.update = config::UpdatePolicy{};
  next.update->canary = 1;
  const auto plan = plan_apply(view, now, {next});
  const auto& web = plan.services[0];
  REQUIRE(web.instances.size() == 3);
  for (const auto& i : web.instances) REQUIRE(i.action == "restart");  // the same placement
  CHECK(at(web, 0).reason == "canary");
  CHECK(at(web, 1).reason == "after shoal promote");
  CHECK(at(web, 2).reason == "after shoal promote");
  // A new service, or canary = 0, is never held.
  next.update->canary = 0;
  CHECK(plan_apply(view, now, {next}).services[0].instances[1].reason.empty());
  next.update->canary = 1;
  view.services.clear();
  const auto fresh = plan_apply(view, placement::Assignment{}, {next});
  for (const auto& i : fresh.services[0].instances) {
    CHECK(i.action == "start");
    CHECK(i.reason.empty());
  }
}
