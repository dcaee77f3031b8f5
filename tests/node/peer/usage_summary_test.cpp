// usage/<peer> values (node/peer/usage_summary.hpp): the codec, hostile values, when a peer
// rewrites its own, and the GET /v1/usage view.
#include <catch2/catch.hpp>

#include "node/peer/usage_summary.hpp"

using namespace shoal::node;
using Json = nlohmann::json;

namespace {

UsageSummary sample(std::int64_t at_ms) {
  UsageSummary u;
  u.measured_ms = at_ms;
  u.cpu_milli = 400;
  u.memory_mib = 3000;
  u.agent_cpu_milli = 10;
  u.agent_rss_mib = 7;
  u.instances = {{"web", 1, 120, 30}, {"db", 0, 0, 200}, {"web", 0, 5000, 12}};
  return quantised(u);
}

shoal::gossip::Member usage_member(const std::string& name, shoal::gossip::MemberState st) {
  shoal::gossip::Member m;
  m.name = name;
  m.state = st;
  m.meta.cpu_milli = 2000;
  m.meta.memory_mib = 4096;
  return m;
}

constexpr UsagePolicy kPolicy{10'000, 60'000};

}  // namespace

TEST_CASE("usage summary: round trip, compact, sorted, quantised", "[usage]") {
  UsageSummary u = sample(1'765'000'000'000);
  u.agent_cpu_milli = 14;
  u = quantised(u);
  CHECK(u.agent_cpu_milli == 10);  // steps of 10 milli-cores
  CHECK(u.instances[0].service == "db");
  CHECK(quantised(UsageSummary{0, -5, -1, 0, 0, {}}).cpu_milli == 0);
  const std::string enc = encode_usage(u);
  CHECK(enc == R"([1,1765000000000,400,3000,10,7,[["db",0,0,200],["web",0,5000,12],["web",1,120,30]]])");
  CHECK(decode_usage(enc) == u);
  // A later version may append fields; the ones it knows still read.
  CHECK(decode_usage(R"([1,5,1,2,3,4,[],"more"])"));
}

TEST_CASE("usage summary: hostile values decode to nothing", "[usage]") {
  for (const char* bad : {"", "{}", "[]", "not json", "[2,5,1,2,3,4,[]]", "[1,5,1,2,3,4]",
                          "[1,-5,1,2,3,4,[]]", "[1,5,-1,2,3,4,[]]", "[1,5,1.5,2,3,4,[]]",
                          "[1,5,1,2,3,4,{}]", "[1,5,1,2,3,4,[[\"web\",0,1]]]",
                          "[1,5,1,2,3,4,[[\"\",0,1,1]]]", "[1,5,1,2,3,4,[[\"web\",-1,1,1]]]",
                          "[1,5,1,2,3,4,[[7,0,1,1]]]", "[1,5,1,2,3,4,[[\"web\",0,1,\"1\"]]]",
                          "[1,5,1,2,3,4,[[\"web\",0,99999999999,1]]]",
                          "[1,5,1,99999999999999999999999,3,4,[]]"}) {
    INFO(bad);
    CHECK_FALSE(decode_usage(bad));
  }
  CHECK_FALSE(decode_usage("[1,5,1,2,3,4,[[\"" + std::string(64, 'a') + "\",0,1,1]]]"));
  CHECK_FALSE(decode_usage(std::string(200000, '[')));
}

TEST_CASE("usage summary: a peer rewrites its value only when worth it", "[usage]") {
  const std::int64_t t0 = 1'000'000;
  const UsageSummary first = sample(t0);
  CHECK(usage_worth_writing(std::nullopt, first, 2000, 4096, kPolicy));
  auto later = [&](std::int64_t ms) { return sample(t0 + ms); };
  // Unchanged: not before refresh.
  CHECK_FALSE(usage_worth_writing(first, later(20'000), 2000, 4096, kPolicy));
  CHECK(usage_worth_writing(first, later(60'000), 2000, 4096, kPolicy));
  // A big change waits for min_interval, then goes.
  UsageSummary busy = later(5'000);
  busy.cpu_milli = 1500;
  CHECK_FALSE(usage_worth_writing(first, busy, 2000, 4096, kPolicy));
  busy.measured_ms = t0 + 10'000;
  CHECK(usage_worth_writing(first, busy, 2000, 4096, kPolicy));
  // Noise below the thresholds stays unwritten.
  UsageSummary noise = later(30'000);
  noise.cpu_milli += 390;          // < max(250, 20% of 2000)
  noise.memory_mib += 250;         // < max(256, 10% of 4096)
  noise.instances[1].cpu_milli += 2000;  // web/0 at 5000: < 50%
  noise.instances[2].cpu_milli += 90;    // web/1 at 120: < 100 milli
  noise.instances[2].rss_mib += 7;       // < 16 MiB
  CHECK_FALSE(usage_worth_writing(first, noise, 2000, 4096, kPolicy));
  UsageSummary moved = later(30'000);
  moved.instances[2].cpu_milli = 300;  // web/1 120 -> 300: 180 milli
  CHECK(usage_worth_writing(first, moved, 2000, 4096, kPolicy));
  UsageSummary fewer = later(30'000);
  fewer.instances.pop_back();
  CHECK(usage_worth_writing(first, fewer, 2000, 4096, kPolicy));
  UsageSummary renamed = later(30'000);
  renamed.instances[0].index = 3;
  CHECK(usage_worth_writing(first, renamed, 2000, 4096, kPolicy));
  // A wall clock stepped back: write (else the value would look old until it caught up).
  CHECK(usage_worth_writing(first, sample(t0 - 1), 2000, 4096, kPolicy));
}

TEST_CASE("usage summary: the /v1/usage view", "[usage]") {
  using shoal::gossip::MemberState;
  shoal::gossip::Members members;
  members["a"] = usage_member("a", MemberState::alive);
  members["b"] = usage_member("b", MemberState::suspect);
  members["c"] = usage_member("c", MemberState::dead);
  std::map<std::string, UsageSummary> by_peer;
  by_peer["a"] = sample(10'000);
  by_peer["b"] = UsageSummary{12'000, 100, 200, 10, 5, {{"api", 2, 30, 9}}};
  by_peer["c"] = sample(10'000);     // dead: not shown
  by_peer["ghost"] = sample(10'000);  // not a member: not shown
  const Json v = usage_json(by_peer, members, 11'200);
  REQUIRE(v["peers"].size() == 2);
  CHECK(v["peers"][0] == Json{{"peer", "a"}, {"cpu_milli", 400}, {"cpu_capacity_milli", 2000},
                              {"memory_mib", 3000}, {"memory_capacity_mib", 4096},
                              {"agent_cpu_milli", 10}, {"agent_rss_mib", 7}, {"age_ms", 1200}});
  CHECK(v["peers"][1]["peer"] == "b");
  CHECK(v["peers"][1]["age_ms"] == 0);  // b's clock ahead of ours: never negative
  REQUIRE(v["instances"].size() == 4);
  CHECK(v["instances"][0] == Json{{"service", "api"}, {"index", 2}, {"peer", "b"},
                                  {"cpu_milli", 30}, {"rss_mib", 9}, {"age_ms", 0}});
  CHECK(v["instances"][1]["service"] == "db");
  CHECK(v["instances"][3]["index"] == 1);
  CHECK(usage_json({}, members, 0) == Json{{"peers", Json::array()}, {"instances", Json::array()}});
}

TEST_CASE("usage summary: the write policy grows with the cluster", "[usage]") {
  CHECK(usage_policy(5000, 1).min_interval_ms == 30'000);
  CHECK(usage_policy(5000, 20).min_interval_ms == 30'000);
  CHECK(usage_policy(5000, 21).min_interval_ms == 60'000);
  CHECK(usage_policy(5000, 1000).min_interval_ms == 1'500'000);
  CHECK(usage_policy(5000, 20).refresh_ms == 300'000);
  CHECK(usage_policy(300, 2).min_interval_ms == 1800);
}

TEST_CASE("usage summary: the mean of the readings since the last write", "[usage]") {
  CHECK(usage_mean({}) == UsageSummary{});
  UsageSummary a = sample(1000), b = sample(2000), c = sample(3000);
  a.cpu_milli = 100;
  b.cpu_milli = 2000;
  c.cpu_milli = 300;
  a.memory_mib = 1;
  c.memory_mib = 2;
  a.instances[0].cpu_milli = 30;  // db/0: 30, 0, 0 -> 10
  c.instances.pop_back();         // web/1 gone in the newest reading
  c.instances.push_back({"new", 0, 40, 1});
  const UsageSummary m = usage_mean({a, b, c});
  CHECK(m.measured_ms == 3000);
  CHECK(m.cpu_milli == 800);
  CHECK(m.memory_mib == 2);  // the newest
  REQUIRE(m.instances.size() == 3);
  CHECK(m.instances[0].service == "db");
  CHECK(m.instances[0].cpu_milli == 10);
  CHECK(m.instances[1].service == "new");
  CHECK(m.instances[1].cpu_milli == 40);  // only the reading that has it
}
