// Runner: the reconcile plan executed against a fake driver; status reflects the driver.
#include <catch2/catch.hpp>

#include "node/runner.hpp"
#include "placement/spec_hash.hpp"

using namespace shoal;

namespace {

class RunnerDriver : public runtime::Driver {
 public:
  runtime::Result<runtime::Instance> start(const runtime::InstanceSpec& spec) override {
    if (spec.service.command.empty() || spec.service.command[0] == "/nope") {
      return runtime::Error{"exec: not found"};
    }
    runtime::Instance i;
    i.id = "i" + std::to_string(++next_);
    i.labels = spec.labels;
    i.ports = {{"http", 8080, static_cast<std::uint16_t>(30000 + next_)}};
    running[i.id] = i;
    ++starts;
    return i;
  }
  runtime::Status stop(const std::string& id, runtime::Millis) override {
    ++stop_calls;
    if (running.count(id) == 0) return runtime::Error{"unknown"};
    if (fail_stops > 0) {
      --fail_stops;
      return runtime::Error{"engine timed out"};
    }
    if (!hang_stops) stopping.push_back(id);
    return {};
  }
  runtime::Status force_stop(const std::string& id) override {
    forced.push_back(id);
    running.erase(id);  // SIGKILL: gone from list(), no exit reported (like docker's remove)
    return {};
  }
  std::vector<runtime::Instance> list() override {
    if (empty_lists > 0) {  // the process driver's opendir under EMFILE
      --empty_lists;
      return {};
    }
    std::vector<runtime::Instance> out;
    for (auto& [id, i] : running) out.push_back(i);
    return out;
  }
  std::vector<runtime::Exit> poll() override {
    std::vector<runtime::Exit> out;
    for (const auto& id : stopping) {
      out.push_back({id, running[id].labels, runtime::Exit::Reason::stopped, -1, 15, 0});
      running.erase(id);
    }
    stopping.clear();
    for (auto& e : exits) {
      out.push_back(e);
      running.erase(e.id);
    }
    exits.clear();
    return out;
  }
  void heartbeat() override {}

  std::map<std::string, runtime::Instance> running;
  std::vector<std::string> stopping;
  std::vector<runtime::Exit> exits;
  int starts = 0;
  int next_ = 0;
  int stop_calls = 0;
  int fail_stops = 0;       // the next N stops fail
  bool hang_stops = false;  // stops are accepted but nothing ends
  int empty_lists = 0;      // the next N lists come back empty
  std::vector<std::string> forced;
};

config::ServiceSpec runner_web(int replicas) {
  config::ServiceSpec s;
  s.name = "web";
  s.command = {"sleep", "1000"};
  s.replicas = replicas;
  s.restart.condition = config::RestartPolicy::Condition::none;
  return s;
}

}  // namespace

TEST_CASE("runner: starts what it owns, reports it, stops what is no longer wanted",
          "[node][runner]") {
  RunnerDriver d;
  node::Runner r("a", d, {});
  std::vector<config::ServiceSpec> services{runner_web(3)};
  placement::Assignment asg;
  asg.algorithm_version = 1;
  asg.instances = {{{"web", 0}, std::string("a"), ""},
                   {{"web", 1}, std::string("b"), ""},
                   {{"web", 2}, std::string("a"), ""}};
  std::map<std::string, placement::PeerStatus> peers;
  node::RunnerInputs in;
  in.now = 1000;
  in.assignment = &asg;
  in.services = &services;
  in.peers = &peers;
  in.live_peers = {"a", "b"};
  in.synced = true;
  r.step(in);
  CHECK(d.starts == 2);
  CHECK(r.counts().starts == std::map<std::string, std::uint64_t>{{"fresh", 2}});
  auto st = r.status();
  REQUIRE(st.instances.size() == 2);
  CHECK(st.instances[0].id == placement::InstanceId{"web", 0});
  CHECK(st.instances[0].state == placement::InstanceState::running);
  CHECK(st.instances[0].spec_hash == placement::spec_hash(services[0]));
  CHECK(st.instances[0].host_ports.at("http") > 30000);
  CHECK(st.instances[1].id == placement::InstanceId{"web", 2});

  // web/2 exits with code 3 and its policy is `none`: reported exited, not restarted.
  d.exits.push_back({"i2",
                     {"a", "web", 2, placement::spec_hash(services[0])},
                     runtime::Exit::Reason::exited, 3, 0, 0});
  in.now = 2000;
  r.step(in);
  st = r.status();
  REQUIRE(st.instances.size() == 2);
  CHECK(st.instances[1].state == placement::InstanceState::exited);
  CHECK(st.instances[1].exit_code == 3);
  CHECK(d.starts == 2);

  // The service goes away: the running copy is stopped, then forgotten once the driver says so.
  services.clear();
  asg.instances.clear();
  in.now = 3000;
  r.step(in);
  CHECK(d.stopping.size() == 1);
  in.now = 4000;
  r.step(in);
  CHECK(r.status().instances.empty());
  // Both were stopped as unwanted: the running one, and the exited one forgotten at once.
  CHECK(r.counts().stops == std::map<std::string, std::uint64_t>{{"unwanted", 2}});
  CHECK(r.counts().starts == std::map<std::string, std::uint64_t>{{"fresh", 2}});
  CHECK(r.counts().start_failures == 0);
}

TEST_CASE("runner: adopts its own instances from a previous run, a failed start is exited",
          "[node][runner]") {
  RunnerDriver d;
  auto spec = runner_web(1);
  runtime::InstanceSpec is;
  is.labels = {"a", "web", 0, placement::spec_hash(spec)};
  is.service = spec;
  REQUIRE(d.start(is).ok());
  is.labels.peer = "other";
  REQUIRE(d.start(is).ok());
  node::Runner r("a", d, {});
  CHECK(r.status().instances.size() == 1);  // only its own
  std::vector<config::ServiceSpec> services{spec};
  auto bad = spec;
  bad.name = "bad";
  bad.command = {"/nope"};
  services.push_back(bad);
  placement::Assignment asg;
  asg.instances = {{{"bad", 0}, std::string("a"), ""}, {{"web", 0}, std::string("a"), ""}};
  node::RunnerInputs in;
  in.now = 1;
  in.assignment = &asg;
  in.services = &services;
  in.live_peers = {"a"};
  in.synced = true;
  r.step(in);
  CHECK(d.starts == 2);  // nothing new for web/0 (adopted); bad/0 failed to start
  CHECK(r.counts().starts.empty());  // an adoption is no start
  CHECK(r.counts().start_failures == 1);
  auto st = r.status();
  REQUIRE(st.instances.size() == 2);
  CHECK(st.instances[0].id.service == "bad");
  CHECK(st.instances[0].exit_code == 127);
  CHECK(st.instances[1].state == placement::InstanceState::running);
}

namespace {

// One instance of runner_web(1) owned by "a", started at t = 1000; then the service is removed.
struct OneRunning {
  RunnerDriver d;
  node::Runner r{"a", d, {}};
  std::vector<config::ServiceSpec> services;
  placement::Assignment asg;
  std::map<std::string, placement::PeerStatus> peers;
  node::RunnerInputs in;
  explicit OneRunning(config::Millis stop_grace) {
    services.push_back(runner_web(1));
    services[0].stop_grace = stop_grace;
    asg.algorithm_version = 1;
    asg.instances = {{{"web", 0}, std::string("a"), ""}};
    in.now = 1000;
    in.assignment = &asg;
    in.services = &services;
    in.peers = &peers;
    in.live_peers = {"a"};
    in.synced = true;
    r.step(in);
    REQUIRE(d.running.size() == 1);
    services.clear();
    asg.instances.clear();
  }
  std::optional<config::Millis> at(config::Millis t) {
    in.now = t;
    return r.step(in);
  }
  placement::InstanceState state() {
    REQUIRE(r.status().instances.size() == 1);
    return r.status().instances[0].state;
  }
};

}  // namespace

TEST_CASE("runner: a refused stop keeps the instance and is retried with back-off",
          "[node][runner]") {
  OneRunning t(2000);
  t.d.fail_stops = 2;
  auto wake = t.at(2000);
  CHECK(t.d.stop_calls == 1);
  CHECK(t.state() == placement::InstanceState::running);  // not `stopping`: never forgotten
  REQUIRE(wake);
  CHECK(*wake <= 3000);  // the retry is scheduled
  t.at(2500);
  CHECK(t.d.stop_calls == 1);  // backing off (1 s)
  t.at(3000);
  CHECK(t.d.stop_calls == 2);  // refused again: 2 s now
  t.at(4500);
  CHECK(t.d.stop_calls == 2);
  t.at(5000);
  CHECK(t.d.stop_calls == 3);
  CHECK(t.state() == placement::InstanceState::stopping);
  t.at(5100);  // the driver reports the end
  CHECK(t.r.status().instances.empty());
  CHECK(t.r.counts().stops == std::map<std::string, std::uint64_t>{{"unwanted", 1}});  // one stop, however often refused
  CHECK(t.d.running.empty());
  CHECK(t.d.forced.empty());
}

TEST_CASE("runner: `stopping` past stop_grace + margin is force-stopped and re-listed",
          "[node][runner]") {
  OneRunning t(2000);
  t.d.hang_stops = true;  // accepted, never ends (a wedged engine, a process ignoring TERM)
  auto wake = t.at(2000);
  CHECK(t.state() == placement::InstanceState::stopping);
  REQUIRE(wake);
  CHECK(*wake <= 2000 + 2000 + 5000);  // woken for the deadline
  t.at(8999);
  CHECK(t.d.forced.empty());
  CHECK(t.state() == placement::InstanceState::stopping);
  t.at(9000);
  REQUIRE(t.d.forced.size() == 1);
  CHECK(t.d.running.empty());
  CHECK(t.r.status().instances.empty());  // re-listed: gone, forgotten
}

TEST_CASE("runner: a replaced copy whose stop is refused is not left running untracked",
          "[node][runner]") {
  OneRunning t(2000);
  // The spec changes instead of going away: the running copy is stale and replaced.
  t.services.push_back(runner_web(1));
  t.services[0].command = {"sleep", "2000"};
  t.services[0].stop_grace = 2000;
  t.asg.instances = {{{"web", 0}, std::string("a"), ""}};
  t.d.fail_stops = 1;
  t.at(2000);
  CHECK(t.d.stop_calls == 1);
  CHECK(t.d.starts == 1);  // nothing started beside the copy it could not stop
  REQUIRE(t.d.running.size() == 1);
  t.d.hang_stops = true;
  for (config::Millis now = 2100; now <= 20000; now += 100) t.at(now);
  CHECK(t.d.starts == 2);
  CHECK(t.d.forced.size() == 1);  // the old copy, forced past its deadline
  REQUIRE(t.d.running.size() == 1);
  CHECK(t.d.running.begin()->second.labels.spec_hash == placement::spec_hash(t.services[0]));
}

TEST_CASE("runner: an instance a failed listing hid at start is adopted, not started twice",
          "[node][runner]") {
  RunnerDriver d;
  auto spec = runner_web(1);
  runtime::InstanceSpec is;
  is.labels = {"a", "web", 0, placement::spec_hash(spec)};
  is.service = spec;
  REQUIRE(d.start(is).ok());  // left running by the previous run
  d.empty_lists = 1;          // the constructor's listing fails and reads as empty
  node::Runner r("a", d, {});
  CHECK(r.status().instances.empty());
  std::vector<config::ServiceSpec> services{spec};
  placement::Assignment asg;
  asg.instances = {{{"web", 0}, std::string("a"), ""}};
  node::RunnerInputs in;
  in.now = 1;
  in.assignment = &asg;
  in.services = &services;
  in.live_peers = {"a"};
  in.synced = true;
  r.step(in);
  CHECK(d.starts == 1);  // re-listed at the first step: adopted, no second copy
  CHECK(d.running.size() == 1);
  REQUIRE(r.status().instances.size() == 1);
  CHECK(r.status().instances[0].state == placement::InstanceState::running);
}

TEST_CASE("runner: a second copy nothing tracks is found by the re-list and stopped",
          "[node][runner]") {
  OneRunning t(2000);
  t.services.push_back(runner_web(1));
  t.services[0].stop_grace = 2000;
  t.asg.instances = {{{"web", 0}, std::string("a"), ""}};
  // A copy the runner lost track of (a lost stop forgotten after a failed re-list, a start
  // after a listing that hid it): same peer, same instance, another driver id.
  runtime::InstanceSpec is;
  is.labels = {"a", "web", 0, placement::spec_hash(t.services[0])};
  is.service = t.services[0];
  auto stray = t.d.start(is);
  REQUIRE(stray.ok());
  REQUIRE(t.d.running.size() == 2);
  t.d.fail_stops = 1;  // the first stop of the stray is refused: tried at the next re-list
  for (config::Millis now = 1100; now < 6000; now += 100) t.at(now);
  CHECK(t.d.stop_calls == 0);  // re-listed at 1000 (the first step), next at 6000
  for (config::Millis now = 6000; now < 11000; now += 100) t.at(now);
  CHECK(t.d.stop_calls == 1);
  CHECK(t.d.running.size() == 2);
  for (config::Millis now = 11000; now <= 12000; now += 100) t.at(now);
  CHECK(t.d.stop_calls == 2);
  REQUIRE(t.d.running.size() == 1);
  CHECK(t.d.running.count(stray->id) == 0);  // the tracked copy stays, the stray went
  REQUIRE(t.r.status().instances.size() == 1);
  CHECK(t.r.status().instances[0].state == placement::InstanceState::running);
  CHECK(t.d.starts == 2);  // nothing new started
}

TEST_CASE("runner: a stop back-off that ran out asks for no step in the past", "[node][runner]") {
  OneRunning t(2000);
  t.d.fail_stops = 1;
  auto wake = t.at(2000);  // unwanted: the stop is refused, retried after 1 s
  REQUIRE(wake);
  CHECK(*wake == 3000);
  // Wanted again before the retry: nothing asks for the stop any more.
  t.services.push_back(runner_web(1));
  t.services[0].stop_grace = 2000;
  t.asg.instances = {{{"web", 0}, std::string("a"), ""}};
  wake = t.at(3500);
  CHECK(t.d.stop_calls == 1);
  CHECK(t.state() == placement::InstanceState::running);
  CHECK((!wake || *wake > 3500));  // a wake at 3000 would make the executor step in a loop
}
