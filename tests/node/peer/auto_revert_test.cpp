// Auto-revert without a coordinator (node/peer/auto_revert.hpp): three peers, each with its own
// Reconciler on virtual time and its own store, roll out a version that never turns healthy.
// Each derives the verdict from the statuses it sees, latches it in deploy/web, and once the
// stores have exchanged their entries (in any order) every peer runs the same last good version
// and replaces the failed copy; the verdict survives the failed copy's status going away; a new
// version is a new deployment; hostile or missing last_good values revert nothing; an older
// peer decodes the value as the spec in force.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "gossip/bytes.hpp"
#include "gossip/store.hpp"
#include "node/peer/auto_revert.hpp"
#include "node/peer/spec_gate.hpp"
#include "node/peer/spec_history.hpp"
#include "node/peer/state_codec.hpp"
#include "placement/spec_hash.hpp"
#include "tests/node/peer/deploy_fixture.hpp"

using namespace shoal;
using namespace shoal::placement::testing;
using namespace shoal::deploy_testing;
using placement::InstanceState;
using J = nlohmann::json;

TEST_CASE("auto-revert: every peer fails the version and runs the last good one, no coordinator",
          "[node][auto_revert]") {
  Cluster3 c;
  const auto v1 = web(1), v2 = web(2);
  const std::string h1 = placement::spec_hash(v1), h2 = placement::spec_hash(v2);
  publish(c.stores[0], 1'000, v1, "");
  spread(c.stores, 1'000);
  placement::Millis t = 0;
  for (; t < 5'000; t += 500) c.round(t, h2);
  REQUIRE(c.hashes() == std::set<std::string>{h1});
  // v2 is written by peer b, which sees v1 healthy: v1 becomes the value's last_good.
  publish(c.stores[1], 10'000, v2, node::deployment_outcome(v1, {}, c.asg, c.statuses()));
  spread(c.stores, 10'000);
  const node::SpecRecord rec = node::read_record(gossip::bytes_to_string(c.stores[2].find("spec/web")->value));
  REQUIRE(rec.last_good);
  CHECK(placement::spec_hash(*node::decode_spec(*rec.last_good)) == h1);
  // The rollout starts; its first copy never turns healthy, so it is overdue after 5 s.
  for (; t < 12'000; t += 500) {
    c.round(t, h2);
    spread(c.stores, 10'000 + t);
  }
  // Every store holds the same latched verdict, and every peer runs v1 again.
  for (auto& s : c.stores) {
    const gossip::Entry* d = s.find("deploy/web");
    REQUIRE(d);
    CHECK(*d == *c.stores[0].find("deploy/web"));
    CHECK(node::decode_failed(gossip::bytes_to_string(d->value)) == h2);
    node::Reverts rev;
    const auto run = node::running_specs(node::SpecGate().specs(s), s, &rev);
    REQUIRE(run.size() == 1);
    CHECK(placement::spec_hash(run[0]) == h1);
    CHECK(rev.at("web") == node::Reverted{h2, h1});
  }
  for (int k = 0; k < 6; ++k, t += 500) c.round(t, h2);
  CHECK(c.hashes() == std::set<std::string>{h1});  // no copy of the failed version is left
  // The failed copy's status is gone, and the verdict holds: nothing rolls v2 out again.
  CHECK(node::deployment_outcome(v1, {{"web", {h2, h1}}}, c.asg, c.statuses()) == "reverted");
  for (int k = 0; k < 10; ++k, t += 500) c.round(t, h2);
  CHECK(c.hashes() == std::set<std::string>{h1});

  // A fixed version (another hash) is a new deployment, which the old verdict does not touch.
  auto v3 = web(3);
  publish(c.stores[0], 30'000, v3, "reverted");
  spread(c.stores, 30'000);
  const std::string h3 = placement::spec_hash(v3);
  for (int k = 0; k < 40; ++k, t += 500) c.round(t, h2);
  CHECK(c.hashes() == std::set<std::string>{h3});
  const auto hist = node::read_record(gossip::bytes_to_string(c.stores[1].find("spec/web")->value)).history;
  REQUIRE(hist.size() == 3);
  CHECK(hist[0].outcome == "healthy");
  CHECK(hist[1].spec_hash == h2);
  CHECK(hist[1].outcome == "reverted");
  CHECK(hist[2].spec_hash == h3);
}

TEST_CASE("auto-revert: nothing is reverted without auto_revert, a last good one, or a valid one",
          "[node][auto_revert]") {
  gossip::Store store("a");
  const auto v1 = web(1);
  publish(store, 1'000, v1, "");
  publish(store, 2'000, web(2), "healthy");
  const std::string h2 = placement::spec_hash(web(2));
  store.put(3'000'000, "deploy/web", gossip::string_to_bytes(node::encode_verdict(h2)));
  node::Reverts rev;
  CHECK(placement::spec_hash(node::running_specs(node::SpecGate().specs(store), store, &rev).at(0)) ==
        placement::spec_hash(v1));
  // auto_revert = false in the version in force: it stays (failed, stuck at parallelism).
  publish(store, 4'000, web(2, false), "reverted");
  rev.clear();
  CHECK(node::running_specs(node::SpecGate().specs(store), store, &rev).at(0) == web(2, false));
  CHECK(rev.empty());
  // A last_good that fails the gate (a hostile writer) is never run.
  J bad = J::parse(node::with_record(node::encode_spec(web(2)), node::SpecRecord{}));
  J good = J::parse(node::encode_spec(v1));
  good["replicas"] = -5;
  bad["last_good"] = good;
  bad["good_version"] = 1;
  store.put(5'000'000, "spec/web", gossip::string_to_bytes(bad.dump()));
  CHECK(node::running_specs(node::SpecGate().specs(store), store).at(0) == web(2));
  // No last_good at all: the first version of a service has nothing to go back to.
  gossip::Store fresh("b");
  publish(fresh, 1'000, web(2), "");
  fresh.put(2'000'000, "deploy/web", gossip::string_to_bytes(node::encode_verdict(h2)));
  CHECK(node::running_specs(node::SpecGate().specs(fresh), fresh).at(0) == web(2));
  // Not an auto_revert verdict writer's business: a service without the flag latches nothing.
  CHECK(node::decode_failed("{\"v\":1,\"failed\":7}") == std::nullopt);
  CHECK(node::decode_failed("not json") == std::nullopt);
}

TEST_CASE("spec record: bounded, ignored by older decoders, hostile records dropped",
          "[node][auto_revert]") {
  gossip::Store store("a");
  for (int v = 1; v <= 14; ++v) publish(store, v * 1'000, web(v), v % 2 ? "healthy" : "rolling");
  const std::string bytes = gossip::bytes_to_string(store.find("spec/web")->value);
  const auto rec = node::read_record(bytes);
  REQUIRE(rec.history.size() == node::kHistoryMax);
  CHECK(rec.history.front().version == 5);
  CHECK(rec.history.back().version == 14);
  CHECK(rec.history.back().outcome.empty());
  // Writing version v said how v - 1 stood: healthy when v is odd, else still rolling.
  CHECK(rec.history[0].outcome == "replaced");  // version 5 (written with 6)
  CHECK(rec.history[1].outcome == "healthy");   // version 6 (written with 7)
  CHECK(rec.good_version == 12);
  // The record does not nest: last_good holds a spec alone.
  CHECK_FALSE(J::parse(*rec.last_good).contains("last_good"));
  CHECK_FALSE(J::parse(*rec.last_good).contains("history"));
  // What an older peer reads (decode_spec ignores the new keys): the spec in force, version 1.
  CHECK(J::parse(bytes)["v"] == 1);
  CHECK(*node::decode_spec(bytes) == web(14));
  // Hostile records are dropped whole, never a reason to refuse the spec.
  J j = J::parse(bytes);
  j["history"].push_back(J::array({15, "x", 0, "a", ""}));
  CHECK(node::read_record(j.dump()).history.empty());
  j = J::parse(bytes);
  j["history"][0][0] = 1e12;
  CHECK(node::read_record(j.dump()) == node::SpecRecord{});
  j = J::parse(bytes);
  j["history"][0][3] = std::string(4096, 'x');
  CHECK(node::read_record(j.dump()) == node::SpecRecord{});
  j = J::parse(bytes);
  j["last_good"] = "a string";
  CHECK(node::read_record(j.dump()) == node::SpecRecord{});
  CHECK(node::decode_spec(j.dump()));
}

TEST_CASE("deployment outcome: a version with an instance no peer can take is never healthy",
          "[node][deploy]") {
  const auto spec = web(1);
  const std::string hash = placement::spec_hash(spec);
  placement::Assignment a;
  std::map<std::string, placement::PeerStatus> statuses;
  for (std::uint32_t i = 0; i < 3; ++i) a.instances.push_back({{"web", i}, std::nullopt, "no room"});
  CHECK(node::deployment_outcome(spec, {}, a, statuses) == "rolling");
  // The same with every instance placed, running and settled at the hash: healthy.
  placement::PeerStatus st;
  for (std::uint32_t i = 0; i < 3; ++i) {
    a.instances[i].owner = "p";
    placement::InstanceStatus is;
    is.id = {"web", i};
    is.state = InstanceState::healthy;
    is.spec_hash = hash;
    is.settled = true;
    st.instances.push_back(is);
  }
  statuses["p"] = st;
  CHECK(node::deployment_outcome(spec, {}, a, statuses) == "healthy");
  a.instances[2].owner.reset();  // one of three unplaced
  CHECK(node::deployment_outcome(spec, {}, a, statuses) == "rolling");
}
