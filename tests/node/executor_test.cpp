// Executor: the Runner and its driver on one worker thread. A fake driver whose availability
// and start() the test controls; reports are "posted" to a queue this (the io) thread drains.
// Every wait is bounded (a condition variable with a deadline), nothing sleeps for time.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "node/executor.hpp"

using namespace shoal;
using namespace std::chrono_literals;

namespace {

class ExecutorDriver : public runtime::Driver {
 public:
  runtime::Result<runtime::Instance> start(const runtime::InstanceSpec& spec) override {
    {
      std::unique_lock<std::mutex> lk(mu);
      ++starts;
      in_start = true;
      cv.notify_all();
      cv.wait_for(lk, 10s, [&] { return !hold; });
      in_start = false;
    }
    runtime::Instance i;
    i.id = "i" + std::to_string(spec.labels.index);
    i.labels = spec.labels;
    return i;
  }
  runtime::Status stop(const std::string&, runtime::Millis) override { return {}; }
  std::vector<runtime::Instance> list() override {
    ++lists;
    return {};
  }
  std::vector<runtime::Exit> poll() override { return {}; }
  void heartbeat() override {
    ++heartbeats;
    cv.notify_all();
  }
  // Blocks while probe_hold is set (at most 10 s): a health check that hangs.
  runtime::ProbeResult exec_probe(const std::string&, const std::vector<std::string>&,
                                  runtime::Millis) override {
    std::unique_lock<std::mutex> lk(mu);
    ++probes;
    in_probe = true;
    cv.notify_all();
    cv.wait_for(lk, 10s, [&] { return !probe_hold; });
    in_probe = false;
    return {true, "exit 0"};
  }
  runtime::Status available() override {
    if (up) return {};
    return runtime::Error{"engine down"};
  }

  std::atomic<bool> up{true};
  std::atomic<int> lists{0}, heartbeats{0};
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false;      // guarded by mu: start() blocks while set
  bool in_start = false;  // guarded by mu
  int starts = 0;         // guarded by mu
  bool probe_hold = false;  // guarded by mu: exec_probe() blocks while set
  bool in_probe = false;    // guarded by mu
  int probes = 0;           // guarded by mu
};

// The "io thread": posted reports queue up here until the test takes them.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  std::vector<node::ExecReport> reports;

  node::Executor::Post post() {
    return [this](std::function<void()> f) {
      std::lock_guard<std::mutex> lk(mu);
      tasks.push_back(std::move(f));
      cv.notify_all();
    };
  }
  // Runs posted tasks until `pred` holds over the reports (or 10 s pass).
  bool run_until(const std::function<bool(const std::vector<node::ExecReport>&)>& pred) {
    const auto end = std::chrono::steady_clock::now() + 10s;
    while (!pred(reports)) {
      std::function<void()> f;
      {
        std::unique_lock<std::mutex> lk(mu);
        if (!cv.wait_until(lk, end, [&] { return !tasks.empty(); })) return false;
        f = std::move(tasks.front());
        tasks.pop_front();
      }
      f();
    }
    return true;
  }
};

config::ServiceSpec executor_web(int replicas) {
  config::ServiceSpec s;
  s.name = "web";
  s.command = {"sleep", "1000"};
  s.replicas = replicas;
  return s;
}

node::StepInputs inputs(int replicas) {
  node::StepInputs in;
  in.services = {executor_web(replicas)};
  in.assignment.algorithm_version = 1;
  for (int i = 0; i < replicas; ++i) {
    in.assignment.instances.push_back(
        {{"web", static_cast<std::uint32_t>(i)}, std::string("a"), ""});
  }
  in.live_peers = {"a"};
  in.synced = true;
  return in;
}

node::ExecutorOptions options(ExecutorDriver*& out) {
  node::ExecutorOptions o;
  o.self = "a";
  o.reconcile.max_starts_per_second = 0;
  o.check_interval = 20;
  o.make_driver = [&out]() -> std::unique_ptr<runtime::Driver> {
    auto d = std::make_unique<ExecutorDriver>();
    out = d.get();
    return d;
  };
  return o;
}

}  // namespace

TEST_CASE("executor: no Runner (no adoption) while the driver is unavailable, back when it is",
          "[node][executor]") {
  Inbox inbox;
  ExecutorDriver* d = nullptr;
  std::atomic<bool> start_up{false};
  auto o = options(d);
  auto make = o.make_driver;
  o.make_driver = [&, make]() {
    auto drv = make();
    static_cast<ExecutorDriver*>(drv.get())->up = start_up.load();
    return drv;
  };
  node::Executor ex(o, inbox.post(), [&](node::ExecReport r) {
    inbox.reports.push_back(std::move(r));
  });
  REQUIRE(inbox.run_until([](const auto& rs) { return !rs.empty(); }));
  CHECK_FALSE(inbox.reports.back().available);
  CHECK(inbox.reports.back().error == "engine down");
  CHECK_FALSE(inbox.reports.back().has_status);
  ex.submit(inputs(1));  // nothing can run: no Runner, so nothing is listed or started
  CHECK(d->lists == 0);

  d->up = true;
  REQUIRE(inbox.run_until([](const auto& rs) { return rs.back().available; }));
  CHECK(inbox.reports.back().has_status);  // the Runner exists: it listed the driver once
  CHECK(d->lists == 1);
  ex.submit(inputs(1));
  REQUIRE(inbox.run_until([](const auto& rs) {
    return rs.back().stepped && rs.back().status.instances.size() == 1;
  }));
  CHECK(inbox.reports.back().status.instances[0].state == placement::InstanceState::running);

  d->up = false;  // down again: reported, the Runner's last status kept
  REQUIRE(inbox.run_until([](const auto& rs) { return !rs.back().available; }));
  CHECK(inbox.reports.back().has_status);
  CHECK(inbox.reports.back().status.instances.size() == 1);
  ex.stop();
}

TEST_CASE("executor: submissions coalesce to one step in flight and one waiting (the newest)",
          "[node][executor]") {
  Inbox inbox;
  ExecutorDriver* d = nullptr;
  auto o = options(d);
  o.make_driver = [&d]() -> std::unique_ptr<runtime::Driver> {
    auto drv = std::make_unique<ExecutorDriver>();
    drv->hold = true;  // the first start() blocks until released
    d = drv.get();
    return drv;
  };
  node::Executor ex(o, inbox.post(), [&](node::ExecReport r) {
    inbox.reports.push_back(std::move(r));
  });
  REQUIRE(inbox.run_until([](const auto& rs) { return !rs.empty() && rs.back().has_status; }));
  ex.submit(inputs(1));
  {
    std::unique_lock<std::mutex> lk(d->mu);
    REQUIRE(d->cv.wait_for(lk, 10s, [&] { return d->in_start; }));
  }
  // While that step blocks in the driver: three more submissions, the last wanting 3 replicas.
  ex.submit(inputs(1));
  ex.submit(inputs(2));
  ex.submit(inputs(3));
  {
    std::lock_guard<std::mutex> lk(d->mu);
    d->hold = false;
  }
  d->cv.notify_all();
  REQUIRE(inbox.run_until([](const auto& rs) {
    return rs.back().stepped && rs.back().status.instances.size() == 3;
  }));
  ex.stop();
  CHECK(ex.steps() == 2);  // the blocked one, then the newest of the three
}

TEST_CASE("executor: steps return promptly while a health probe hangs, and its end asks for a step",
          "[node][executor][probes]") {
  Inbox inbox;
  ExecutorDriver* d = nullptr;
  auto o = options(d);
  o.heartbeat_interval = 20;
  node::Executor ex(o, inbox.post(), [&](node::ExecReport r) {
    inbox.reports.push_back(std::move(r));
  });
  REQUIRE(inbox.run_until([](const auto& rs) { return !rs.empty() && rs.back().has_status; }));
  {
    std::lock_guard<std::mutex> lk(d->mu);
    d->probe_hold = true;
  }
  std::uint64_t seq = 0;
  auto step = [&] {
    auto in = inputs(1);
    in.services[0].health.kind = config::HealthCheck::Kind::exec;
    in.services[0].health.exec = {"check-it"};
    in.services[0].health.interval = 1;  // the first probe is due 1 ms after the start
    in.services[0].health.timeout = 1;
    in.seq = ++seq;
    const std::uint64_t want = in.seq;
    ex.submit(std::move(in));
    return inbox.run_until(
        [want](const auto& rs) { return rs.back().stepped && rs.back().seq == want; });
  };
  auto probing = [&] {
    std::lock_guard<std::mutex> lk(d->mu);
    return d->in_probe;
  };
  // Started, then stepped until its first probe runs (and hangs). The probe thread may start
  // a moment after the step that handed it the probe: wait for it, bounded, after each step.
  auto wait_probing = [&] {
    const auto until = std::chrono::steady_clock::now() + 200ms;
    while (!probing() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(1ms);
    return probing();
  };
  for (int k = 0; k < 200 && !wait_probing(); ++k) REQUIRE(step());
  REQUIRE(probing());
  CHECK(inbox.reports.back().status.instances.at(0).state == placement::InstanceState::starting);

  // Steps go on while the probe hangs (it hangs until released below, so a step that waited
  // for it would never report: step() would fail), and so do the driver's heartbeats.
  const int beats = d->heartbeats;
  for (int k = 0; k < 3; ++k) REQUIRE(step());
  {
    std::unique_lock<std::mutex> lk(d->mu);
    CHECK(d->cv.wait_for(lk, 5s, [&] { return d->heartbeats >= beats + 2; }));
    CHECK(d->in_probe);
    CHECK(d->probes == 1);  // one probe per instance in flight, not one per step
  }
  CHECK(inbox.reports.back().status.instances.at(0).state == placement::InstanceState::starting);

  // The probe ends: the worker asks for a step (a report with wake_at, not a step); the step
  // that follows records the pass.
  const std::size_t before = inbox.reports.size();
  {
    std::lock_guard<std::mutex> lk(d->mu);
    d->probe_hold = false;
  }
  d->cv.notify_all();
  REQUIRE(inbox.run_until([before](const auto& rs) {
    return rs.size() > before && !rs.back().stepped && rs.back().wake_at.has_value();
  }));
  REQUIRE(step());
  CHECK(inbox.reports.back().status.instances.at(0).state == placement::InstanceState::healthy);
  ex.stop();
}
