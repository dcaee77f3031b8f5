// Runner: the reconcile plan executed against a fake driver; status reflects the driver.
#include <catch2/catch.hpp>

#include "node/runner.hpp"
#include "placement/spec_hash.hpp"

using namespace shoal;

namespace {

class FakeDriver : public runtime::Driver {
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
    if (running.count(id) == 0) return runtime::Error{"unknown"};
    stopping.push_back(id);
    return {};
  }
  std::vector<runtime::Instance> list() override {
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
};

config::ServiceSpec web(int replicas) {
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
  FakeDriver d;
  node::Runner r("a", d, {});
  std::vector<config::ServiceSpec> services{web(3)};
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
}

TEST_CASE("runner: adopts its own instances from a previous run, a failed start is exited",
          "[node][runner]") {
  FakeDriver d;
  auto spec = web(1);
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
  auto st = r.status();
  REQUIRE(st.instances.size() == 2);
  CHECK(st.instances[0].id.service == "bad");
  CHECK(st.instances[0].exit_code == 127);
  CHECK(st.instances[1].state == placement::InstanceState::running);
}
