// The test-only fault-injecting driver: which calls it faults (every Nth of each method), that
// a seed replays the same faults, and that what it passes through reaches the real driver.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "node/runtime/faulty_driver.hpp"

using namespace shoal::runtime;

namespace {

// Counts the calls that reach it; lists `listed` instances.
class FakeDriver final : public Driver {
 public:
  int starts = 0, stops = 0, forces = 0, lists = 0, polls = 0;
  std::vector<Instance> listed;
  Result<Instance> start(const InstanceSpec& spec) override {
    ++starts;
    return Instance{spec.labels.service + "-" + std::to_string(spec.labels.index), spec.labels,
                    {}, 1, 0};
  }
  Status stop(const std::string&, Millis) override {
    ++stops;
    return {};
  }
  Status force_stop(const std::string&) override {
    ++forces;
    return {};
  }
  std::vector<Instance> list() override {
    ++lists;
    return listed;
  }
  std::vector<Exit> poll() override {
    ++polls;
    return {Exit{}};
  }
  void heartbeat() override {}
};

InstanceSpec spec_of(int index) {
  InstanceSpec s;
  s.labels = {"p1", "web", index, "h"};
  return s;
}

struct Made {
  FakeDriver* fake;
  std::unique_ptr<FaultyDriver> faulty;
  std::vector<std::string> lines;
};

std::unique_ptr<Made> make(std::uint64_t seed, int every, Millis slow_ms = 0) {
  auto m = std::make_unique<Made>();
  auto fake = std::make_unique<FakeDriver>();
  m->fake = fake.get();
  for (int i = 0; i < 3; ++i) {
    Instance inst;
    inst.id = "web-" + std::to_string(i);
    m->fake->listed.push_back(inst);
  }
  m->faulty = std::make_unique<FaultyDriver>(
      std::move(fake), DriverFaults{seed, every, slow_ms},
      [raw = m.get()](std::string_view l) { raw->lines.emplace_back(l); });
  return m;
}

// A fixed mix of calls; returns what the driver answered, one line each.
std::vector<std::string> drive(FaultyDriver& d, int rounds) {
  std::vector<std::string> out;
  for (int i = 0; i < rounds; ++i) {
    auto s = d.start(spec_of(i));
    out.push_back(s.ok() ? "start ok" : "start " + s.error().message);
    auto st = d.stop("web-" + std::to_string(i), 0);
    out.push_back(st.ok() ? "stop ok" : "stop " + st.error().message);
    auto f = d.force_stop("web-" + std::to_string(i));
    out.push_back(f.ok() ? "force ok" : "force " + f.error().message);
    out.push_back("list " + std::to_string(d.list().size()));
    out.push_back("poll " + std::to_string(d.poll().size()));
  }
  return out;
}

}  // namespace

TEST_CASE("faulty driver: every Nth call of each method is faulted, the others pass through") {
  auto m = make(42, 3);
  int failed = 0;
  std::vector<int> failed_at;
  for (int i = 1; i <= 30; ++i) {
    if (!m->faulty->start(spec_of(i)).ok()) {
      ++failed;
      failed_at.push_back(i);
    }
  }
  CHECK(failed == 10);
  CHECK(m->fake->starts == 20);  // a faulted start never reaches the real driver
  for (std::size_t k = 1; k < failed_at.size(); ++k) CHECK(failed_at[k] - failed_at[k - 1] == 3);
  int empty_polls = 0;
  for (int i = 0; i < 30; ++i) empty_polls += m->faulty->poll().empty() ? 1 : 0;
  CHECK(empty_polls == 10);
  CHECK(m->fake->polls == 20);  // the exits stay with the real driver for a later poll
  CHECK(m->faulty->faults_injected() == 20);
  CHECK(m->lines.size() == 20);
}

TEST_CASE("faulty driver: every=1 faults every call the way the real driver fails") {
  auto m = make(7, 1);
  for (int i = 0; i < 20; ++i) {
    auto s = m->faulty->start(spec_of(i));
    REQUIRE_FALSE(s.ok());
    const std::string& e = s.error().message;
    CHECK((e == "service web: fork: Resource temporarily unavailable" ||
           e == "service web: pipe: Too many open files"));
    CHECK(m->faulty->poll().empty());
    CHECK(m->faulty->list().size() < 3);
    m->faulty->stop("web-1", 0);  // refused, slow (0 ms here: then it stops) or lost
    m->faulty->force_stop("web-1");
  }
  CHECK(m->fake->starts == 0);
  CHECK(m->fake->polls == 0);
  CHECK(m->fake->forces == 0);
  CHECK(m->fake->stops < 20);    // only the slow ones stop
  CHECK(m->faulty->faults_injected() == 100);
  CHECK(m->faulty->inner().available().ok());
}

TEST_CASE("faulty driver: the same seed replays the same faults, another seed others") {
  auto a = make(1234, 2);
  auto b = make(1234, 2);
  auto c = make(99, 2);
  const auto ra = drive(*a->faulty, 40);
  CHECK(ra == drive(*b->faulty, 40));
  CHECK(a->lines == b->lines);
  CHECK(ra != drive(*c->faulty, 40));
  CHECK(a->lines != c->lines);
  CHECK(a->faulty->faults_injected() == 100);  // 5 methods x 40 calls / 2
}

TEST_CASE("faulty driver: the knob parses strictly") {
  auto ok = parse_driver_faults("seed=18446744073709551615,every=4,slow_ms=250");
  REQUIRE(ok.ok());
  CHECK(ok.value() == DriverFaults{18446744073709551615ull, 4, 250});
  CHECK(parse_driver_faults("every=3,seed=1").value() == DriverFaults{1, 3, 500});
  for (const char* bad : {"", "seed=1", "every=2", "seed=1,every=0", "seed=-1,every=2",
                          "seed=1,every=2,slow=3", "seed=1,every=x", "seed=1,every=2,slow_ms=",
                          "seed,every=2", "seed=1,every=2,slow_ms=99999999"}) {
    INFO(bad);
    CHECK_FALSE(parse_driver_faults(bad).ok());
  }
  CHECK(parse_driver_faults("seed=1,every=2,bogus=1").error().message.find("bogus") !=
        std::string::npos);
}

TEST_CASE("faulty driver: nothing is enabled unless the variable is set, a bad value is refused") {
  ::unsetenv(kDriverFaultsEnv);
  auto none = driver_faults_from_env();
  REQUIRE(none.ok());
  CHECK_FALSE(none.value().has_value());
  ::setenv(kDriverFaultsEnv, "seed=5,every=9", 1);
  auto set = driver_faults_from_env();
  REQUIRE(set.ok());
  CHECK(set.value() == DriverFaults{5, 9, 500});
  ::setenv(kDriverFaultsEnv, "every=9", 1);
  CHECK_FALSE(driver_faults_from_env().ok());
  ::unsetenv(kDriverFaultsEnv);
}
