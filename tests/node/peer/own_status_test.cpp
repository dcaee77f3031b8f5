// One peer's reconcile step hosted the agent's way (node/'s Runner over a driver) and the
// simulator's way (sim/'s fake runtime over a SimPeer), fed the same inputs at every step. Both
// keep node::OwnInstance records and publish node::own_status, so status/<self> must encode to
// the same bytes after every step, and both reconcilers must decide the same actions: starts,
// marks (pending, failed), settled and overdue verdicts, the reschedule listing
// (failed_here), the host ports of a start-first old copy while it serves.
#include <catch2/catch.hpp>

#include <variant>

#include "node/peer/own_status.hpp"
#include "node/peer/state_codec.hpp"
#include "node/runner.hpp"
#include "placement/spec_hash.hpp"
#include "sim/fake_runtime.hpp"

using namespace shoal;

namespace {

// A driver whose starts run at once and whose copies exit on demand. It picks dynamic host
// ports in turn from 32768, as the fake runtime does, so that both tables hold the same ports.
class ScriptedDriver : public runtime::Driver {
 public:
  runtime::Result<runtime::Instance> start(const runtime::InstanceSpec& spec) override {
    runtime::Instance i;
    i.id = "d" + std::to_string(++n_);
    i.labels = spec.labels;
    for (const auto& p : spec.service.ports)
      i.ports.push_back({p.name, p.container, p.host.value_or(static_cast<std::uint16_t>(32768 + ports_++))});
    running_[i.id] = i;
    return i;
  }
  runtime::Status stop(const std::string& id, runtime::Millis) override {
    if (!running_.count(id)) return runtime::Error{"unknown"};
    ended_.push_back({id, running_[id].labels, runtime::Exit::Reason::stopped, -1, 15, 0});
    return {};
  }
  std::vector<runtime::Instance> list() override {
    std::vector<runtime::Instance> out;
    for (const auto& [id, i] : running_) out.push_back(i);
    return out;
  }
  std::vector<runtime::Exit> poll() override {
    for (const auto& e : ended_) running_.erase(e.id);
    return std::exchange(ended_, {});
  }
  void heartbeat() override {}
  // The running copy of service/index exits with code 1.
  void crash(const std::string& service, int index) {
    for (const auto& [id, i] : running_)
      if (i.labels.service == service && i.labels.index == index)
        ended_.push_back({id, i.labels, runtime::Exit::Reason::exited, 1, 0, 0});
  }

 private:
  int n_ = 0;
  int ports_ = 0;
  std::map<std::string, runtime::Instance> running_;
  std::vector<runtime::Exit> ended_;
};

// "web" (an update policy, start-first, a dynamic host port) and "batch" (one restart, then
// rescheduled).
std::vector<config::ServiceSpec> services(const std::string& web_image) {
  config::ServiceSpec web;
  web.name = "web";
  web.image = web_image;
  web.command = {"serve"};
  web.replicas = 1;
  web.ports = {{"http", 80, std::nullopt}};
  web.update = config::UpdatePolicy{1, config::UpdatePolicy::Order::start_first, 1000, 60000, false, 0};
  config::ServiceSpec batch;
  batch.name = "batch";
  batch.command = {"work"};
  batch.replicas = 1;
  batch.restart.max_attempts = 1;
  batch.reschedule = config::ReschedulePolicy{3, 60000, 0};
  return {batch, web};  // sorted by name, as decoded specs are
}

// The decisions of one plan as the test compares them.
std::string render(const placement::Plan& plan) {
  std::string s;
  for (const auto& a : plan.actions) {
    if (const auto* x = std::get_if<placement::StartAction>(&a))
      s += "start " + x->id.to_string() + " " + std::string(placement::to_string(x->reason)) + ";";
    else if (const auto* x = std::get_if<placement::StopAction>(&a))
      s += "stop " + x->id.to_string() + (x->outgoing ? " old;" : ";");
    else if (const auto* x = std::get_if<placement::MarkAction>(&a))
      s += "mark " + x->id.to_string() + " " + std::string(placement::to_string(x->state)) + ";";
  }
  return s;
}

// The same peer "a", owning web/0 and batch/0, hosted both ways.
struct TwoHosts {
  std::vector<config::ServiceSpec> specs = services("web:1");
  placement::Assignment assignment;
  std::map<std::string, placement::PeerStatus> others;  // none: a peer alone, synced
  // The agent's path.
  ScriptedDriver driver;
  node::Runner runner{"a", driver, {}};
  // The simulator's path: its Reconciler, stepped as sim/reconcile_loop.cpp does.
  sim::Experiment x;
  sim::EventQueue queue;
  gossip::Rng rng{1};
  sim::FakeRuntime runtime{x, queue, rng};
  sim::SimPeer peer;
  placement::Reconciler reconciler;

  TwoHosts() {
    assignment.algorithm_version = 1;
    assignment.instances = {{{"batch", 0}, std::string("a"), ""}, {{"web", 0}, std::string("a"), ""}};
    peer.name = "a";
    peer.up = peer.started = true;
  }

  // One step at `now` ms both ways; returns the simulator's decisions, and checks that the
  // agent's took as many actions and that both statuses encode alike.
  std::string step(config::Millis now) {
    node::RunnerInputs in;
    in.now = now;
    in.assignment = &assignment;
    in.services = &specs;
    in.peers = &others;
    in.live_peers = {"a"};
    in.synced = true;
    const std::size_t acted = runner.actions_executed();
    runner.step(in);

    placement::ReconcileInputs r;
    r.now = now;
    r.self = "a";
    r.assignment = &assignment;
    r.services = &specs;
    r.peers = &others;
    for (const auto& [id, inst] : peer.instances) r.local.push_back(inst.local);
    for (const auto& [id, inst] : peer.outgoing) {
      r.local.push_back(inst.local);
      r.local.back().outgoing = true;
    }
    r.live_peers = {"a"};
    r.synced = true;
    const placement::Plan plan = reconciler.step(r);
    queue.set_now(now * gossip::kMillis);
    runtime.apply(peer, 0, plan);
    // The driver's starts run at once: so do the fake runtime's.
    for (auto& [id, inst] : peer.instances)
      if (inst.local.state == placement::InstanceState::starting) runtime.started(peer, 0, inst.serial);

    CHECK(runner.actions_executed() - acted == plan.actions.size());
    CHECK(node::encode_status(runner.status()) == node::encode_status(sim::own_status(peer)));
    return render(plan);
  }
  void crash(const std::string& service) {
    driver.crash(service, 0);
    runtime.exited(peer, peer.instances.at({service, 0}).serial);
  }
};

}  // namespace

TEST_CASE("own status: the agent's path and the simulator's give the same status and decisions",
          "[node][peer]") {
  TwoHosts h;
  CHECK(h.step(1000) == "start batch/0 fresh;start web/0 fresh;");
  auto st = h.runner.status();
  REQUIRE(st.instances.size() == 2);
  CHECK(st.instances[1].host_ports == std::map<std::string, std::uint16_t>{{"http", 32768}});
  CHECK(st.instances[1].settled == false);

  CHECK(h.step(2500).empty());  // web/0 first seen running: settled 1 s (min_healthy_time) on
  CHECK(h.runner.status().instances[1].settled == false);

  h.crash("batch");
  CHECK(h.step(3000) == "mark batch/0 pending;");
  CHECK(h.runner.status().instances[0].state == placement::InstanceState::pending);
  CHECK(h.step(60000) == "start batch/0 restart;");
  CHECK(h.runner.status().instances[1].settled == true);
  h.crash("batch");  // its one restart spent: failed, and listed for reschedule
  CHECK(h.step(61000) == "mark batch/0 failed;");
  st = h.runner.status();
  CHECK(st.instances[0].state == placement::InstanceState::failed);
  CHECK(st.failed_here == std::vector<placement::InstanceId>{{"batch", 0}});
  CHECK(node::encode_status(st).find("\"f\"") != std::string::npos);

  // A new web version, start-first: the old copy serves beside the new one until it settles.
  h.specs = services("web:2");
  CHECK(h.step(62000) == "start web/0 replace;");
  st = h.runner.status();
  CHECK(st.instances[1].spec_hash == placement::spec_hash(h.specs[1]));
  CHECK(st.instances[1].host_ports == std::map<std::string, std::uint16_t>{{"http", 32769}});
  CHECK(st.instances[1].outgoing_ports == std::map<std::string, std::uint16_t>{{"http", 32768}});
  CHECK(h.step(63500) == "stop web/0 old;");  // settled: the old copy goes, out of status at once
  CHECK(h.runner.status().instances[1].outgoing_ports.empty());
  CHECK(h.step(64000).empty());
}

TEST_CASE("own status: a mark shows while its copy is ended, verdicts as the plan last said",
          "[node][peer]") {
  node::OwnInstance web;
  web.local.id = {"web", 0};
  web.local.spec_hash = "h1";
  web.local.state = placement::InstanceState::running;
  web.host_ports = {{"http", 32768}};
  node::record_exit(web, 3);
  node::record_mark(web, {{"web", 0}, placement::InstanceState::pending, 3, 2, 5000});
  auto st = node::own_status(std::vector<node::OwnRow>{{&web}}, {});
  REQUIRE(st.instances.size() == 1);
  CHECK(st.instances[0].state == placement::InstanceState::pending);
  CHECK(st.instances[0].restarts == 2);
  CHECK(st.instances[0].exit_code == 3);
  CHECK(st.instances[0].host_ports == web.host_ports);

  web.local.state = placement::InstanceState::running;  // the mark was of an earlier exit
  CHECK(node::own_status(std::vector<node::OwnRow>{{&web}}, {}).instances[0].state ==
        placement::InstanceState::running);
  node::record_exit(web, 1);  // a new exit: unmarked until the reconciler decides
  CHECK_FALSE(web.mark);
  node::record_mark(web, {{"web", 0}, placement::InstanceState::failed, 1, 3, 0});
  CHECK(web.local.state == placement::InstanceState::failed);  // what the reconciler reads back

  placement::Plan plan;
  plan.settled[{"web", 0}] = true;
  plan.overdue.insert({"web", 0});
  node::record_verdicts({"web", 0}, web, plan);
  CHECK(web.settled == true);
  CHECK(web.overdue);
  node::record_verdicts({"web", 0}, web, placement::Plan{});  // silent: settled kept
  CHECK(web.settled == true);
  CHECK_FALSE(web.overdue);

  node::OwnInstance old = web;
  old.host_ports = {{"http", 32767}};
  st = node::own_status(std::vector<node::OwnRow>{{&web, &old}}, {{"web", 0}});
  CHECK(st.instances[0].state == placement::InstanceState::failed);
  CHECK(st.instances[0].outgoing_ports == old.host_ports);
  CHECK(st.failed_here == std::vector<placement::InstanceId>{{"web", 0}});
}
