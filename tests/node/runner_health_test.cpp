// Runner health checks: probes launched by step() at virtual times (RunnerInputs::now) on the
// Runner's probe threads and collected by a later step (settle()), against a real loopback
// listener or a refused port; unhealthy instances are stopped and restarted per
// policy; handoff waits for the new copy's health. Fake driver except for the last test, which
// runs an exec check through the real process driver.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "node/runner.hpp"
#include "node/runtime/process_driver.hpp"
#include "placement/spec_hash.hpp"

using namespace shoal;
using placement::InstanceState;

namespace {

// A loopback TCP socket bound to a free port. listen(): answers every request with `status`
// from a thread (HTTP/1.0, one request per connection) and counts requests. Without listen()
// the port refuses connections while the object lives.
class Loopback {
 public:
  Loopback() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Loopback() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  void listen() {
    REQUIRE(::listen(fd_, 16) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  std::uint16_t port() const { return port_; }
  int requests() const { return requests_; }
  std::atomic<int> status{200};

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string req;
      char buf[512];
      while (req.find("\r\n\r\n") == std::string::npos) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 2000) <= 0) break;
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      ++requests_;
      std::string resp = "HTTP/1.0 " + std::to_string(status.load()) + " X\r\n\r\n";
      (void)!::write(c, resp.data(), resp.size());
      ::close(c);
    }
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// Runs instances in a map; their port "http" is on `host_port`. exec_probe answers exec_ok.
class HealthDriver : public runtime::Driver {
 public:
  runtime::Result<runtime::Instance> start(const runtime::InstanceSpec& spec) override {
    runtime::Instance i;
    i.id = "i" + std::to_string(++next_);
    i.labels = spec.labels;
    i.ports = {{"http", 8080, host_port}};
    running[i.id] = i;
    ++starts;
    return i;
  }
  runtime::Status stop(const std::string& id, runtime::Millis) override {
    if (running.count(id) == 0) return runtime::Error{"unknown"};
    if (refuse_stop) return runtime::Error{"engine down"};
    stopping.push_back(id);
    return {};
  }
  std::vector<runtime::Instance> list() override {
    std::vector<runtime::Instance> out;
    for (auto& [id, i] : running) out.push_back(i);
    return out;
  }
  // Stopped instances end (SIGTERM) at the next poll.
  std::vector<runtime::Exit> poll() override {
    std::vector<runtime::Exit> out;
    for (const auto& id : stopping) {
      out.push_back({id, running[id].labels, runtime::Exit::Reason::stopped, -1, 15, 0});
      running.erase(id);
    }
    stopping.clear();
    return out;
  }
  void heartbeat() override {}
  runtime::ProbeResult exec_probe(const std::string& id, const std::vector<std::string>& argv,
                                  runtime::Millis) override {
    exec_calls.push_back(id + ":" + (argv.empty() ? "" : argv[0]));
    return {exec_ok, exec_ok ? "exit 0" : "exit 1"};
  }

  std::uint16_t host_port = 0;
  bool exec_ok = true;
  bool refuse_stop = false;
  std::map<std::string, runtime::Instance> running;
  std::vector<std::string> stopping;
  std::vector<std::string> exec_calls;
  int starts = 0;
  int next_ = 0;
};

config::ServiceSpec health_web(config::HealthCheck::Kind kind) {
  config::ServiceSpec s;
  s.name = "web";
  s.command = {"sleep", "1000"};
  s.ports = {config::Port{"http", 8080, std::nullopt}};
  s.health.kind = kind;
  s.health.port = "http";
  s.health.http_path = "/healthz";
  s.health.exec = {"check-it"};
  s.health.interval = 1000;
  s.health.timeout = 500;
  s.health.retries = 3;
  s.restart.condition = config::RestartPolicy::Condition::on_failure;
  s.restart.delay = 2000;
  s.restart.max_delay = 60000;
  return s;
}

// A step as the agent sees it once the probe threads are done: a step, and when it launched
// probes, their results (waited for, bounded) collected by a second step at the same time.
std::optional<config::Millis> settle(node::Runner& runner, const node::RunnerInputs& in) {
  auto wake = runner.step(in);
  if (runner.probes_in_flight() == 0) return wake;
  REQUIRE(runner.await_probes(10000));
  return runner.step(in);
}

// One peer ("a" unless told) owning every instance of `services`.
struct Peer {
  explicit Peer(std::string name = "a") : self(std::move(name)) {}
  std::string self;
  HealthDriver driver;
  std::vector<std::string> log;
  std::unique_ptr<node::Runner> runner;
  void make() {
    runner = std::make_unique<node::Runner>(self, driver, config::PeerConfig::Reconcile{},
                                            [this](std::string_view l) { log.emplace_back(l); });
  }
  std::optional<config::Millis> step(config::Millis now,
                                     const std::vector<config::ServiceSpec>& services,
                                     const placement::Assignment& asg,
                                     const std::map<std::string, placement::PeerStatus>& peers = {},
                                     std::set<std::string> live = {"a"}) {
    node::RunnerInputs in;
    in.now = now;
    in.assignment = &asg;
    in.services = &services;
    in.peers = &peers;
    in.live_peers = std::move(live);
    in.synced = true;
    return settle(*runner, in);
  }
  InstanceState state() const {
    auto st = runner->status();
    REQUIRE(st.instances.size() == 1);
    return st.instances[0].state;
  }
  int lines_with(const std::string& part) const {
    return static_cast<int>(std::count_if(log.begin(), log.end(), [&](const std::string& l) {
      return l.find(part) != std::string::npos;
    }));
  }
};

// Assignment of (service, index 0) -> peer, in the given (sorted) order.
placement::Assignment assign(const std::vector<std::pair<std::string, std::string>>& owners) {
  placement::Assignment asg;
  for (const auto& [service, peer] : owners) {
    placement::Placed p;
    p.id.service = service;
    p.id.index = 0;
    p.owner = peer;
    asg.instances.push_back(std::move(p));
  }
  return asg;
}

placement::Assignment owned_by(const std::string& peer) { return assign({{"web", peer}}); }

}  // namespace

TEST_CASE("runner health: an http check is starting until it passes and then healthy",
          "[node][runner][health]") {
  Loopback http;
  http.listen();
  Peer p;
  p.driver.host_port = http.port();
  p.make();
  std::vector<config::ServiceSpec> services{health_web(config::HealthCheck::Kind::http)};
  auto asg = owned_by("a");

  // Started at 1000: `starting`, first probe due one interval later, and step says so.
  auto wake = p.step(1000, services, asg);
  CHECK(p.driver.starts == 1);
  CHECK(p.state() == InstanceState::starting);
  REQUIRE(wake);
  CHECK(*wake == 2000);

  // Before it is due nothing probes.
  p.step(1999, services, asg);
  CHECK(http.requests() == 0);
  CHECK(p.state() == InstanceState::starting);

  // Due: one GET, 200 -> healthy; the next probe one interval later.
  wake = p.step(2000, services, asg);
  CHECK(http.requests() == 1);
  CHECK(p.state() == InstanceState::healthy);
  REQUIRE(wake);
  CHECK(*wake == 3000);
  CHECK(p.lines_with("web/0 healthy (HTTP 200)") == 1);

  // A step in between does not probe again; the next due one does (still healthy: no new line).
  p.step(2500, services, asg);
  CHECK(http.requests() == 1);
  p.step(3000, services, asg);
  CHECK(http.requests() == 2);
  CHECK(p.state() == InstanceState::healthy);
  CHECK(p.lines_with("healthy") == 1);
  auto st = p.runner->status();
  CHECK(st.instances[0].spec_hash == placement::spec_hash(services[0]));
}

TEST_CASE("runner health: a failing tcp check -> unhealthy after retries -> stopped and restarted "
          "with backoff -> failed after max_attempts",
          "[node][runner][health]") {
  Loopback refused;  // bound, not listening: connections are refused
  Peer p;
  p.driver.host_port = refused.port();
  p.make();
  auto spec = health_web(config::HealthCheck::Kind::tcp);
  spec.restart.max_attempts = 1;
  std::vector<config::ServiceSpec> services{spec};
  auto asg = owned_by("a");

  p.step(1000, services, asg);
  REQUIRE(p.driver.running.size() == 1);
  const std::string first = p.driver.running.begin()->first;
  p.step(2000, services, asg);  // failure 1
  p.step(3000, services, asg);  // failure 2
  CHECK(p.state() == InstanceState::starting);
  CHECK(p.driver.stopping.empty());
  p.step(4000, services, asg);  // failure 3 = retries: unhealthy, stopped
  CHECK(p.state() == InstanceState::unhealthy);
  REQUIRE(p.driver.stopping == std::vector<std::string>{first});
  CHECK(p.lines_with("web/0 unhealthy after 3 failed checks") == 1);

  // The stop ends it (SIGTERM): a failed exit, so on-failure restarts it after the backoff.
  auto wake = p.step(4100, services, asg);
  auto st = p.runner->status();
  REQUIRE(st.instances.size() == 1);
  CHECK(st.instances[0].state == InstanceState::pending);
  CHECK(st.instances[0].exit_code == 128 + 15);
  CHECK(p.driver.starts == 1);
  REQUIRE(wake);
  CHECK(*wake == 4100 + 2000);
  p.step(6099, services, asg);
  CHECK(p.driver.starts == 1);
  p.step(6100, services, asg);
  CHECK(p.driver.starts == 2);
  st = p.runner->status();
  CHECK(st.instances[0].state == InstanceState::starting);  // a fresh tracker
  CHECK(st.instances[0].restarts == 1);

  // Fails its check again: max_attempts = 1 is used up -> failed, not restarted.
  for (config::Millis t = 7100; t <= 9100; t += 1000) p.step(t, services, asg);
  CHECK(p.state() == InstanceState::unhealthy);
  p.step(9200, services, asg);
  CHECK(p.state() == InstanceState::failed);
  p.step(60000, services, asg);
  CHECK(p.driver.starts == 2);
  CHECK(p.lines_with("unhealthy after 3 failed checks") == 2);
}

TEST_CASE("runner health: exec checks go through the driver and no check means running",
          "[node][runner][health]") {
  Peer p;
  p.make();
  std::vector<config::ServiceSpec> services{health_web(config::HealthCheck::Kind::exec)};
  auto asg = owned_by("a");
  p.step(0, services, asg);
  p.step(1000, services, asg);
  REQUIRE(p.driver.exec_calls.size() == 1);
  CHECK(p.driver.exec_calls[0] == "i1:check-it");
  CHECK(p.state() == InstanceState::healthy);

  // A service without a check: `running` at once, never probed, and step() has no probe timer.
  Peer q;
  q.make();
  std::vector<config::ServiceSpec> plain{health_web(config::HealthCheck::Kind::none)};
  auto wake = q.step(0, plain, asg);
  CHECK(q.state() == InstanceState::running);
  CHECK_FALSE(wake.has_value());
  q.step(5000, plain, asg);
  CHECK(q.driver.exec_calls.empty());
  CHECK(q.state() == InstanceState::running);
}

TEST_CASE("runner health: an instance found from a previous run is probed at the first step "
          "that knows its spec",
          "[node][runner][health]") {
  Loopback http;
  http.listen();
  Peer p;
  p.driver.host_port = http.port();
  std::vector<config::ServiceSpec> services{health_web(config::HealthCheck::Kind::http)};
  runtime::InstanceSpec is;
  is.labels = {"a", "web", 0, placement::spec_hash(services[0])};
  is.service = services[0];
  REQUIRE(p.driver.start(is).ok());
  p.make();
  CHECK(p.state() == InstanceState::running);  // spec unknown yet
  auto asg = owned_by("a");
  auto wake = p.step(500, services, asg);
  CHECK(http.requests() == 1);
  CHECK(p.state() == InstanceState::healthy);
  CHECK(p.driver.starts == 1);  // adopted, not started again
  REQUIRE(wake);
  CHECK(*wake == 1500);
}

TEST_CASE("runner health: handoff stops the old copy only once the new one is healthy",
          "[node][runner][health]") {
  Loopback http;
  http.listen();
  http.status = 503;  // the new copy is not healthy at first
  Peer a("a"), b("b");
  a.driver.host_port = http.port();
  b.driver.host_port = http.port();
  a.make();
  b.make();
  std::vector<config::ServiceSpec> services{health_web(config::HealthCheck::Kind::http)};
  const std::set<std::string> live{"a", "b"};

  // a runs web/0 (its copy's health does not matter to the handoff).
  auto on_a = owned_by("a");
  a.step(0, services, on_a, {{"b", b.runner->status()}}, live);
  REQUIRE(a.driver.running.size() == 1);

  // The assignment moves it to b: b starts a copy (starting), a keeps its own.
  auto on_b = owned_by("b");
  b.step(1000, services, on_b, {{"a", a.runner->status()}}, live);
  REQUIRE(b.driver.starts == 1);
  CHECK(b.state() == InstanceState::starting);
  a.step(1000, services, on_b, {{"b", b.runner->status()}}, live);
  CHECK(a.driver.stopping.empty());

  // b's first probe gets 503: still starting; a still keeps its copy.
  b.step(2000, services, on_b, {{"a", a.runner->status()}}, live);
  CHECK(http.requests() >= 1);
  CHECK(b.state() == InstanceState::starting);
  a.step(2000, services, on_b, {{"b", b.runner->status()}}, live);
  CHECK(a.driver.stopping.empty());

  // Now it answers 200: b healthy, and only then a stops its copy (handed off).
  http.status = 200;
  b.step(3000, services, on_b, {{"a", a.runner->status()}}, live);
  CHECK(b.state() == InstanceState::healthy);
  a.step(3000, services, on_b, {{"b", b.runner->status()}}, live);
  CHECK(a.driver.stopping.size() == 1);
  CHECK(a.lines_with("stopping web/0 (handed_off)") == 1);
  a.step(3100, services, on_b, {{"b", b.runner->status()}}, live);
  CHECK(a.runner->status().instances.empty());
}

TEST_CASE("runner health: an exec check through the process driver sees the instance's env",
          "[node][runner][health]") {
  char tmpl[] = "/tmp/shoal-runner-health-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  {
    runtime::ProcessDriverOptions po;
    po.data_dir = dir;
    po.host_address = "127.0.0.1";
    runtime::ProcessDriver driver(po);
    node::Runner runner("a", driver, {});
    auto spec = health_web(config::HealthCheck::Kind::exec);
    spec.ports.clear();
    spec.env = {{"WANT", "yes"}};
    spec.health.exec = {"/bin/sh", "-c", "test \"$WANT\" = yes && test \"$SHOAL_INDEX\" = 0"};
    auto failing = spec;
    failing.name = "bad";
    failing.health.exec = {"/bin/sh", "-c", "exit 3"};
    std::vector<config::ServiceSpec> services{failing, spec};
    placement::Assignment asg = assign({{"bad", "a"}, {"web", "a"}});
    node::RunnerInputs in;
    in.assignment = &asg;
    in.services = &services;
    in.live_peers = {"a"};
    in.synced = true;
    in.now = 0;
    runner.step(in);
    in.now = 1000;
    settle(runner, in);
    auto st = runner.status();
    REQUIRE(st.instances.size() == 2);
    CHECK(st.instances[0].id.service == "bad");
    CHECK(st.instances[0].state == InstanceState::starting);  // 1 failure of 3
    CHECK(st.instances[1].state == InstanceState::healthy);

    // Clean up: every instance stopped and its end seen (bounded).
    services.clear();
    asg.instances.clear();
    in.now = 2000;
    runner.step(in);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!runner.status().instances.empty() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      in.now += 20;
      runner.step(in);
    }
    CHECK(runner.status().instances.empty());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_CASE("runner health: a stop of an unhealthy instance the driver refuses is retried",
          "[node][runner][health]") {
  Loopback refused;
  Peer p;
  p.driver.host_port = refused.port();
  p.driver.refuse_stop = true;
  p.make();
  auto spec = health_web(config::HealthCheck::Kind::tcp);
  spec.health.retries = 1;
  std::vector<config::ServiceSpec> services{spec};
  auto asg = owned_by("a");
  p.step(1000, services, asg);
  auto wake = p.step(2000, services, asg);  // fails: unhealthy, the stop is refused
  CHECK(p.state() == InstanceState::unhealthy);
  CHECK(p.driver.stopping.empty());
  CHECK(p.lines_with("stop of unhealthy web/0 failed: engine down") == 1);
  REQUIRE(wake);
  CHECK(*wake == 3000);  // still probed, so the stop is tried again
  p.driver.refuse_stop = false;
  p.step(3000, services, asg);
  CHECK(p.driver.stopping.size() == 1);
  CHECK(p.lines_with("unhealthy after") == 1);  // one line per transition
  p.step(3100, services, asg);
  auto st = p.runner->status();
  REQUIRE(st.instances.size() == 1);
  CHECK(st.instances[0].state == InstanceState::pending);  // a failure: restart after backoff
}

TEST_CASE("runner health: a probe that hangs holds up neither the step nor another instance's "
          "failing probe",
          "[node][runner][health][probes]") {
  char tmpl[] = "/tmp/shoal-runner-hang-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string release = dir + "/release";
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
  };
  {
    runtime::ProcessDriverOptions po;
    po.data_dir = dir;
    po.host_address = "127.0.0.1";
    runtime::ProcessDriver driver(po);
    std::vector<std::string> log;
    std::mutex log_mu;
    node::Runner runner("a", driver, {}, [&](std::string_view l) {
      std::lock_guard<std::mutex> g(log_mu);
      log.emplace_back(l);
    });
    // `hang`'s check runs until the test creates `release`, else for its whole 10 s timeout;
    // `quick`'s fails at once. `hang` sorts first: probed one after another, it would hold
    // `quick`'s probe and the step for 10 s.
    auto hang = health_web(config::HealthCheck::Kind::exec);
    hang.name = "hang";
    hang.ports.clear();
    hang.health.exec = {"/bin/sh", "-c",
                        "while [ ! -e '" + release + "' ]; do sleep 0.02; done; exit 1"};
    hang.health.interval = 11000;
    hang.health.timeout = 10000;
    hang.health.retries = 1;
    auto quick = hang;
    quick.name = "quick";
    quick.health.exec = {"/bin/sh", "-c", "exit 1"};
    quick.health.interval = 2000;
    quick.health.timeout = 1000;
    std::vector<config::ServiceSpec> services{hang, quick};
    placement::Assignment asg = assign({{"hang", "a"}, {"quick", "a"}});
    node::RunnerInputs in;
    in.assignment = &asg;
    in.services = &services;
    in.live_peers = {"a"};
    in.synced = true;
    in.now = 0;
    runner.step(in);
    REQUIRE(runner.status().instances.size() == 2);

    // Both probes are due: the step launches them and returns at once.
    in.now = 11000;
    const auto t0 = Clock::now();
    runner.step(in);
    CHECK(ms_since(t0) < 1000);
    CHECK(runner.probes_in_flight() == 2);

    // quick's failure arrives within its interval + timeout while hang's probe still runs; the
    // next step marks quick unhealthy and stops it, also at once.
    REQUIRE(runner.await_probes(3000, 1));
    in.now = 11000 + ms_since(t0);
    const auto t1 = Clock::now();
    runner.step(in);
    CHECK(ms_since(t1) < 1000);
    auto st = runner.status();
    REQUIRE(st.instances.size() == 2);
    CHECK(st.instances[0].id.service == "hang");
    CHECK(st.instances[0].state == InstanceState::starting);
    CHECK(st.instances[1].state == InstanceState::unhealthy);
    CHECK(ms_since(t0) < 3000);
    CHECK(runner.probes_in_flight() == 1);
    {
      std::lock_guard<std::mutex> g(log_mu);
      CHECK(std::count(log.begin(), log.end(),
                       "quick/0 unhealthy after 1 failed checks (exit 1): stopping it") == 1);
    }
    // Its end is a failed exit: pending a restart (on-failure), still well before 10 s.
    auto quick_state = [&] { return runner.status().instances.at(1).state; };
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (quick_state() == InstanceState::unhealthy && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the driver is polled
      in.now = 11000 + ms_since(t0);
      runner.step(in);
    }
    CHECK(quick_state() == InstanceState::pending);
    CHECK(ms_since(t0) < 5000);

    // Let hang's probe end (it fails: unhealthy too), then stop everything (bounded).
    { std::ofstream(release.c_str()) << "x"; }
    REQUIRE(runner.await_probes(5000));
    services.clear();
    asg.instances.clear();
    const auto end = Clock::now() + std::chrono::seconds(10);
    while (!runner.status().instances.empty() && Clock::now() < end) {
      in.now = 11000 + ms_since(t0);
      runner.step(in);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(runner.status().instances.empty());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}
