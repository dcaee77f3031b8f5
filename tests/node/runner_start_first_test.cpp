// Runner, start-first replacement: the old copy keeps running beside the new one (two driver
// instances of one id, the status showing the new one) and is stopped once the new one is
// ready; a re-list does not take the kept copy for an untracked second copy.
#include <catch2/catch.hpp>

#include "node/runner.hpp"
#include "placement/spec_hash.hpp"

using namespace shoal;

namespace {

class TwoCopyDriver : public runtime::Driver {
 public:
  runtime::Result<runtime::Instance> start(const runtime::InstanceSpec& spec) override {
    runtime::Instance i;
    i.id = "i" + std::to_string(++next_);
    i.labels = spec.labels;
    i.ports = {{"http", 8080, static_cast<std::uint16_t>(30000 + next_)}};
    running[i.id] = i;
    return i;
  }
  runtime::Status stop(const std::string& id, runtime::Millis) override {
    if (running.count(id) == 0) return runtime::Error{"unknown"};
    stopped.push_back(id);
    return {};
  }
  std::vector<runtime::Instance> list() override {
    std::vector<runtime::Instance> out;
    for (auto& [id, i] : running) out.push_back(i);
    return out;
  }
  std::vector<runtime::Exit> poll() override {
    std::vector<runtime::Exit> out;
    for (const auto& id : stopped) {
      if (!running.count(id)) continue;
      out.push_back({id, running[id].labels, runtime::Exit::Reason::stopped, -1, 15, 0});
      running.erase(id);
    }
    return out;
  }
  void heartbeat() override {}

  std::map<std::string, runtime::Instance> running;
  std::vector<std::string> stopped;
  int next_ = 0;
};

config::ServiceSpec start_first_web(const std::string& version) {
  config::ServiceSpec s;
  s.name = "web";
  s.command = {"sleep", "1000"};
  s.replicas = 1;
  s.env["V"] = version;
  s.ports = {config::Port{"http", 8080, std::nullopt}};
  s.update = config::UpdatePolicy{};
  s.update->order = config::UpdatePolicy::Order::start_first;
  s.update->min_healthy_time = 0;
  return s;
}

}  // namespace

TEST_CASE("runner: start-first keeps the old copy until the new one is ready",
          "[node][runner]") {
  TwoCopyDriver d;
  node::Runner r("a", d, {});
  std::vector<config::ServiceSpec> services{start_first_web("1")};
  placement::Assignment asg;
  asg.algorithm_version = 1;
  asg.instances = {{{"web", 0}, std::string("a"), ""}};
  std::map<std::string, placement::PeerStatus> peers;
  node::RunnerInputs in;
  in.now = 1000;
  in.assignment = &asg;
  in.services = &services;
  in.peers = &peers;
  in.live_peers = {"a"};
  in.synced = true;
  r.step(in);
  REQUIRE(d.running.size() == 1);
  REQUIRE(d.running.count("i1"));

  services = {start_first_web("2")};
  const std::string h2 = placement::spec_hash(services[0]);
  in.now = 2000;
  r.step(in);  // the new copy starts beside the old one
  CHECK(d.running.size() == 2);
  CHECK(d.stopped.empty());
  auto st = r.status();
  REQUIRE(st.instances.size() == 1);  // the status shows the new copy only
  CHECK(st.instances[0].spec_hash == h2);
  CHECK(st.instances[0].host_ports.at("http") == 30002);
  // ... and the old one as still serving, for the catalog
  CHECK(st.instances[0].outgoing_ports == std::map<std::string, std::uint16_t>{{"http", 30001}});
  CHECK(r.counts().starts.at("replace") == 1);

  in.now = 7000;  // past the re-list interval: the kept copy is not an untracked second copy
  r.step(in);     // the new copy runs (no health check: ready): the old one drains
  CHECK(d.stopped.empty());
  CHECK(r.status().instances[0].outgoing_ports.empty());  // out of the catalog first
  in.now = 9000;  // 2 s later it is stopped
  r.step(in);
  CHECK(d.stopped == std::vector<std::string>{"i1"});
  in.now = 10000;
  r.step(in);
  CHECK(d.running.size() == 1);
  CHECK(d.running.count("i2"));
  CHECK(r.counts().stops.at("replaced") == 1);
  st = r.status();
  REQUIRE(st.instances.size() == 1);
  CHECK(st.instances[0].spec_hash == h2);
  CHECK(st.instances[0].state == placement::InstanceState::running);
}
