// Canaries without a coordinator (node/peer/canary.hpp): three peers, each with its own
// Reconciler on virtual time and its own store, roll out a version with update.canary. Each
// replaces only the canaries, however long it waits, until a promotion written on any peer
// reaches its store; then every peer rolls the rest on. A revert written while waiting brings
// every instance back (a way back is never held), and a canary that never turns healthy is
// failed and reverted by every peer with auto_revert.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "node/peer/canary.hpp"
#include "node/peer/deploy_history.hpp"
#include "tests/node/peer/deploy_fixture.hpp"

using namespace shoal;
using namespace shoal::deploy_testing;
using J = nlohmann::json;

namespace {

config::ServiceSpec canary_web(int version, int canary, bool auto_revert = false) {
  auto s = web(version, auto_revert);
  s.update->canary = canary;
  return s;
}

// The spec hash each instance index runs at, over the three peers.
std::map<std::uint32_t, std::string> by_index(const Cluster3& c) {
  std::map<std::uint32_t, std::string> out;
  for (const auto& h : c.peers)
    for (const auto& l : h.local)
      if (!l.outgoing) out[l.id.index] = l.spec_hash;
  return out;
}

using Hashes = std::map<std::uint32_t, std::string>;

// What the peer `i` sees: the spec it runs and the deployment's outcome.
std::pair<config::ServiceSpec, std::string> seen_by(Cluster3& c, std::size_t i) {
  node::Reverts rev;
  auto run = node::running_specs(node::SpecGate().specs(c.stores[i]), c.stores[i], &rev);
  REQUIRE(run.size() == 1);
  return {run[0], node::deployment_outcome(run[0], rev, c.asg, c.statuses())};
}

// v1 runs everywhere, then peer b writes v2 (held with `canary` canaries) and the rounds go
// on for `rounds` half-seconds; returns the time reached.
placement::Millis deploy_v2(Cluster3& c, const config::ServiceSpec& v1, const config::ServiceSpec& v2,
                            int rounds, const std::string& never = "") {
  publish(c.stores[0], 1'000, v1, "");
  spread(c.stores, 1'000);
  placement::Millis t = 0;
  for (; t < 5'000; t += 500) c.round(t, never);
  REQUIRE(c.hashes() == std::set<std::string>{placement::spec_hash(v1)});
  publish(c.stores[1], 10'000, v2, seen_by(c, 1).second);
  spread(c.stores, 10'000);
  for (int k = 0; k < rounds; ++k, t += 500) {
    c.round(t, never);
    spread(c.stores, 10'000 + t);
  }
  return t;
}

}  // namespace

TEST_CASE("canary: only the canaries take the new version until a promotion reaches every peer",
          "[node][canary]") {
  Cluster3 c;
  const auto v1 = canary_web(1, 1), v2 = canary_web(2, 1);
  const std::string h1 = placement::spec_hash(v1), h2 = placement::spec_hash(v2);
  // Waiting a minute (far past healthy_deadline) changes nothing: one canary, two old copies.
  placement::Millis t = deploy_v2(c, v1, v2, 120);
  CHECK(by_index(c) == Hashes{{0, h2}, {1, h1}, {2, h1}});
  for (std::size_t i = 0; i < 3; ++i) {
    const auto [spec, outcome] = seen_by(c, i);
    CHECK(outcome == "awaiting_promotion");
    CHECK(spec.update->canary == 1);
  }
  const auto [running, outcome] = seen_by(c, 2);
  const J status = node::awaiting_json({running}, {}, c.asg, c.statuses());
  CHECK(status == J::parse(R"([{"service":"web","version":")" + h2 + R"(","canaries":1}])"));
  CHECK(node::services_json({running}, c.asg, c.statuses())[0]["canaries"] == 1);
  CHECK(node::services_json({running}, c.asg, c.statuses())[0]["deployment"] == "awaiting_promotion");

  // `shoal promote web` on peer c: a replicated write every peer reads the same way.
  const node::PromotePlan p = node::plan_promote("web", &running, outcome);
  REQUIRE(p.status == 200);
  CHECK(p.key == "deploy/web/promoted");
  CHECK(p.hash == h2);
  c.stores[2].put(t * 1000, p.key, gossip::string_to_bytes(p.value));
  c.round(t, "");  // peers a and b have not heard of it yet: they still hold
  CHECK(by_index(c) == Hashes{{0, h2}, {1, h1}, {2, h1}});
  spread(c.stores, t);
  for (int k = 0; k < 20; ++k, t += 500) c.round(t, "");
  CHECK(by_index(c) == Hashes{{0, h2}, {1, h2}, {2, h2}});
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(seen_by(c, i).first.update->canary == 0);
    CHECK(seen_by(c, i).second == "healthy");
  }
  CHECK(node::plan_promote("web", &running, "healthy").status == 409);

  // The promotion names its hash: the next version is held again.
  const auto v3 = canary_web(3, 1);
  const std::string h3 = placement::spec_hash(v3);
  publish(c.stores[0], 60'000, v3, seen_by(c, 0).second);
  spread(c.stores, 60'000);
  for (int k = 0; k < 40; ++k, t += 500) c.round(t, "");
  CHECK(by_index(c) == Hashes{{0, h3}, {1, h2}, {2, h2}});
  CHECK(seen_by(c, 1).second == "awaiting_promotion");
}

TEST_CASE("canary: a revert while waiting brings every instance back and is not held",
          "[node][canary]") {
  Cluster3 c;
  // The canary counts differ: the way back must not be held by the old version's count.
  const auto v1 = canary_web(1, 1), v2 = canary_web(2, 2);
  const std::string h1 = placement::spec_hash(v1), h2 = placement::spec_hash(v2);
  placement::Millis t = deploy_v2(c, v1, v2, 40);
  CHECK(by_index(c) == Hashes{{0, h2}, {1, h2}, {2, h1}});
  REQUIRE(seen_by(c, 0).second == "awaiting_promotion");
  // `shoal revert web` on peer a.
  const node::RevertPlan r = node::plan_revert("web", c.stores[0].find("spec/web"), "",
                                               "awaiting_promotion", 30'000, "a");
  REQUIRE(r.status == 200);
  CHECK(r.to == h1);
  c.stores[0].put(30'000'000, "spec/web", gossip::string_to_bytes(r.value));
  spread(c.stores, 30'000);
  for (int k = 0; k < 40; ++k, t += 500) c.round(t, "");
  CHECK(by_index(c) == Hashes{{0, h1}, {1, h1}, {2, h1}});
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(seen_by(c, i).first.update->canary == 0);
    CHECK(seen_by(c, i).second == "healthy");
  }
  // The version that waited is recorded as replaced (never healthy, never last_good).
  const auto rec = node::read_record(gossip::bytes_to_string(c.stores[1].find("spec/web")->value));
  REQUIRE(rec.history.size() == 3);
  CHECK(rec.history[1].spec_hash == h2);
  CHECK(rec.history[1].outcome == "replaced");
  CHECK(rec.revert_of == 1);
  // Nothing waits for a promotion any more.
  const auto running = seen_by(c, 2).first;
  const auto refused = node::plan_promote("web", &running, "healthy");
  CHECK(refused.status == 409);
  CHECK_THAT(refused.error, Catch::Matchers::Contains("not waiting for promotion"));
}

TEST_CASE("canary: a canary that never turns healthy is failed and reverted by every peer",
          "[node][canary]") {
  Cluster3 c;
  const auto v1 = canary_web(1, 1, true), v2 = canary_web(2, 1, true);
  const std::string h1 = placement::spec_hash(v1), h2 = placement::spec_hash(v2);
  placement::Millis t = deploy_v2(c, v1, v2, 4, h2);  // 2 s: before healthy_deadline (5 s)
  CHECK(by_index(c) == Hashes{{0, h2}, {1, h1}, {2, h1}});
  CHECK(seen_by(c, 1).second == "rolling");
  const auto running = seen_by(c, 1).first;
  CHECK_THAT(node::plan_promote("web", &running, "rolling").error,
             Catch::Matchers::Contains("canaries are not all healthy yet"));
  for (int k = 0; k < 30; ++k, t += 500) {
    c.round(t, h2);
    spread(c.stores, 10'000 + t);
  }
  CHECK(c.hashes() == std::set<std::string>{h1});
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(seen_by(c, i).second == "reverted");
    CHECK(seen_by(c, i).first.update->canary == 0);  // the way back is not held
  }
  // A promotion written now cannot bring the failed version back: the latch still wins.
  c.stores[0].put(t * 1000, node::promoted_key("web"), gossip::string_to_bytes(node::encode_promotion(h2)));
  for (int k = 0; k < 10; ++k, t += 500) c.round(t, h2);
  CHECK(c.hashes() == std::set<std::string>{h1});
}

TEST_CASE("canary: promotions are refused unless awaited, and hostile keys release nothing",
          "[node][canary]") {
  CHECK(node::plan_promote("web", nullptr, "").status == 404);
  const auto plain = web(1);  // update table, canary = 0
  const auto none = node::plan_promote("web", &plain, "rolling");
  CHECK(none.status == 409);
  CHECK_THAT(none.error, Catch::Matchers::Contains("update.canary is 0"));
  CHECK(node::plan_promote("web", &plain, "").error.find("no update policy") != std::string::npos);

  CHECK(node::decode_promoted(node::encode_promotion("abc")) == "abc");
  for (const char* bad : {"", "not json", "{\"v\":2,\"promoted\":\"abc\"}", "{\"v\":1,\"promoted\":7}",
                          "{\"v\":1}", "[1]"})
    CHECK(node::decode_promoted(bad) == std::nullopt);
  CHECK(node::decode_promoted("{\"v\":1,\"promoted\":\"" + std::string(65, 'a') + "\"}") == std::nullopt);

  // A promotion of another hash, or a hostile one, leaves the hold in place.
  gossip::Store store("a");
  const auto v2 = canary_web(2, 1);
  publish(store, 1'000, v2, "");
  store.put(2'000'000, node::promoted_key("web"), gossip::string_to_bytes(node::encode_promotion("0123456789abcdef")));
  CHECK(node::running_specs(node::SpecGate().specs(store), store).at(0).update->canary == 1);
  store.put(3'000'000, node::promoted_key("web"), gossip::string_to_bytes("{\"v\":1,\"promoted\":[]}"));
  CHECK(node::running_specs(node::SpecGate().specs(store), store).at(0).update->canary == 1);
  store.put(4'000'000, node::promoted_key("web"),
            gossip::string_to_bytes(node::encode_promotion(placement::spec_hash(v2))));
  CHECK(node::running_specs(node::SpecGate().specs(store), store).at(0).update->canary == 0);
  // The promotion key never reads as a failure latch (deploy/<name> is another key).
  CHECK(store.find("deploy/web") == nullptr);
}
