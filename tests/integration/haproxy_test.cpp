// Issue 16, end to end: Debian's HAProxy in front of a 3-replica process service, following it
// through Shoal's DNS with examples/haproxy/haproxy.cfg (SRV server-template, retries with
// redispatch). 3 peers on their own loopback addresses; a client sends 200 requests a second
// through HAProxy while a host dies (kill -9 of the peer and its instances) and comes back.
// Measured (WARN, docs/benchmarks.md): requests failed, the time until HAProxy routes nothing
// to the dead host, the time until all 3 replicas serve again (after the kill: the moved ones
// from survivors; after the return: from the returned host too).
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"
#include "docker_containers.hpp"
#include "net.hpp"
#include "haproxy_proc.hpp"
#include "node/runtime/docker_api.hpp"
#include "tests/runtime/docker_fixture.hpp"
#include "tests/skip.hpp"

using shoal::test::kFastGossip;
using shoal::test::remove_containers;
using shoal::test::Cluster;
using shoal::test::free_port;
using shoal::test::Haproxy;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// The instance: answers every GET with "PEER INDEX" on its peer's address (argv holds the
// peers' addresses by peer number, so an instance reached at another address is a failure),
// and accepts bare TCP connections on 127.0.0.1 for Shoal's tcp health probe.
const char* kServer = R"PY(import http.server, os, socket, sys, threading
peer, index, port = os.environ["SHOAL_PEER"], os.environ["SHOAL_INDEX"], int(os.environ["PORT"])
body = ("%s %s\n" % (peer, index)).encode()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
def probe_only():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    while True:
        s.accept()[0].close()
threading.Thread(target=probe_only, daemon=True).start()
server = http.server.ThreadingHTTPServer((sys.argv[1 + int(peer[1:])], port), Handler)
server.daemon_threads = True
server.serve_forever()
)PY";

struct Reply {
  std::string peer;
  int index = -1;
};

// GET / through 127.0.0.1:port with HTTP/1.0, bounded to 5 s; the "PEER INDEX" of a 200.
std::optional<Reply> get_once(std::uint16_t port) {
  const int s = shoal::test::tcp_connect(port);
  if (s < 0) return std::nullopt;
  timeval five{5, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
  ::setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof five);
  std::string text;
  const std::string req = "GET / HTTP/1.0\r\nHost: web\r\n\r\n";
  if (::write(s, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
    char buf[4096];
    for (ssize_t n; text.size() < 65536 && (n = ::read(s, buf, sizeof buf)) > 0;)
      text.append(buf, n);
  }
  ::close(s);
  const auto body = text.find("\r\n\r\n");
  if (text.rfind("HTTP/1.", 0) != 0 || text.compare(9, 3, "200") != 0 || body == text.npos)
    return std::nullopt;
  std::istringstream in(text.substr(body + 4));
  Reply r;
  if (!(in >> r.peer >> r.index)) return std::nullopt;
  return r;
}

struct Sample {
  double t;  // seconds since the client started
  double took;  // seconds the request took
  bool ok;
  Reply reply;
};

// 200 requests a second through HAProxy, one at a time (a slow one delays the next; missed
// ticks are not made up), until stopped.
class Client {
 public:
  explicit Client(std::uint16_t port) : port_(port), t0_(Clock::now()) {
    thread_ = std::thread([this] { loop(); });
  }
  ~Client() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  double now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
  std::vector<Sample> samples() {
    std::lock_guard<std::mutex> l(mu_);
    return samples_;
  }

 private:
  void loop() {
    auto next = Clock::now();
    while (!stop_) {
      std::this_thread::sleep_until(next);
      const double t = now();
      auto r = get_once(port_);
      {
        std::lock_guard<std::mutex> l(mu_);
        samples_.push_back({t, now() - t, r.has_value(), r.value_or(Reply{})});
      }
      next = std::max(next + 5ms, Clock::now());
    }
  }
  std::uint16_t port_;
  Clock::time_point t0_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Sample> samples_;
  std::thread thread_;
};

// The addresses HAProxy sends traffic to now (servers UP, not in maintenance).
std::multiset<std::string> serving(Haproxy& h) {
  std::multiset<std::string> out;
  for (const auto& s : h.servers())
    if (s.serving()) out.insert(s.address);
  return out;
}

// The service `web` of the process-driver tests: 3 replicas of kServer, in p0's folder. Debian's
// python3 by path (a version manager's shim on PATH adds ~0.3 s to each start). The first probe
// runs at the start, so every check here allows 3 failures: a server gets 1 s to listen.
void define_web(Cluster& c, const std::vector<std::string>& addr) {
  std::ofstream(c.root() + "/server.py") << kServer;
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\ncommand = [\"/usr/bin/python3\", \"" << c.root() << "/server.py\", \"" << addr[0]
      << "\", \"" << addr[1] << "\", \"" << addr[2] << "\"]\nreplicas = 3\n"
      << "ports = { http = 8000 }\n"
      << "health = { tcp = \"http\", interval = \"500ms\", timeout = \"400ms\", retries = 3 }\n";
}

// 3 peers on 127.0.0.11..13 with their DNS (nameservers[i]), ready.
void start_three(Cluster& c, std::vector<std::string>& addr, std::vector<std::string>& nameservers,
                 const std::string& extra = "") {
  for (int i = 0; i < 3; ++i) {
    addr.push_back("127.0.0.1" + std::to_string(i + 1));
    c.set_host(i, addr[i]);
    nameservers.push_back(addr[i] + ":" + std::to_string(free_port()));
  }
  for (int i = 0; i < 3; ++i)
    c.set_extra(i, kFastGossip + "dns = { listen = \"" + nameservers[i] + "\", ttl = \"1s\" }\n" + extra);
  REQUIRE(shoal::test::start_all_ready(c));
}

// The scenario on a started cluster `c` (peer i gossips at addr[i], its DNS at nameservers[i])
// whose service `web` (3 replicas, port `http`, answering "PEER INDEX") has been defined: HAProxy
// in front, the client stream, the death of a host by `kill_host` and its restart.
void host_dies_and_returns(Cluster& c, const std::vector<std::string>& addr,
                           const std::vector<std::string>& nameservers,
                           const std::function<void(int)>& kill_host, const std::string& label) {
  Haproxy h(c.root(), free_port(), nameservers);
  h.start();
  // HAProxy found the 3 instances through DNS and its checks pass
  if (!wait_until(60s, [&] { return h.running() && serving(h).size() == 3; })) {
    std::ostringstream state;
    for (const auto& s : h.servers())
      state << s.name << " " << s.address << " " << s.op_state << " " << s.admin_state << "\n";
    FAIL("HAProxy does not route to 3 instances; its servers:\n"
         << state.str() << "its log: " << shoal::test::read_text(h.log()));
  }
  std::map<int, std::string> owner;  // index -> peer, as the instances answer through HAProxy
  REQUIRE(wait_until(10s, [&] {
    if (auto r = get_once(h.port())) owner[r->index] = r->peer;
    return owner.size() == 3;
  }));
  // the victim: a peer other than the seed p0 that owns an instance
  std::string victim_name;
  for (const auto& [idx, p] : owner)
    if (p != c.peer(0).name) victim_name = p;
  REQUIRE(!victim_name.empty());
  int victim = 0;
  while (victim < c.size() && c.peer(victim).name != victim_name) ++victim;
  REQUIRE(victim < c.size());
  std::set<int> moved;
  for (const auto& [idx, p] : owner)
    if (p == victim_name) moved.insert(idx);

  Client client(h.port());
  std::this_thread::sleep_for(3s);  // a steady stream before the failure (a measurement window)
  const double t_kill = client.now();
  kill_host(victim);
  // HAProxy stops routing to the dead host's address
  std::optional<double> t_unrouted;
  CHECK(wait_until(30s, [&] {
    if (serving(h).count(addr[victim]) != 0) return false;
    t_unrouted = client.now();
    return true;
  }));
  // every instance serves again through HAProxy, the moved ones from survivors
  auto answered_since = [&](double since, auto pred) {
    for (const auto& s : client.samples())
      if (s.t >= since && s.ok && pred(s.reply)) return s.t;
    return -1.0;
  };
  double t_moved = -1;
  CHECK(wait_until(30s, [&] {
    double last = 0;
    for (int idx : moved) {
      const double t = answered_since(
          t_kill, [&](const Reply& r) { return r.index == idx && r.peer != victim_name; });
      if (t < 0) return false;
      last = std::max(last, t);
    }
    t_moved = last;
    return true;
  }));
  // steady with 2 hosts until 10 s after the kill (a measurement window)
  std::this_thread::sleep_for(
      std::chrono::duration<double>(std::max(0.0, t_kill + 10 - client.now())));

  // the host comes back; its instances move back to it (make-before-break)
  const double t_return = client.now();
  c.start(victim);
  double t_back = -1;
  CHECK(wait_until(30s, [&] {
    t_back = answered_since(t_return, [&](const Reply& r) { return r.peer == victim_name; });
    return t_back >= 0;
  }));
  std::this_thread::sleep_for(7s);  // the old copies stop after the handoff
  client.stop();
  const long retries = h.stat("web", "BACKEND", "wretr");
  const long redispatches = h.stat("web", "BACKEND", "wredis");

  const auto samples = client.samples();
  std::size_t failed = 0, failed_down = 0, failed_back = 0;
  double last_fail = -1;
  std::ostringstream fails;
  for (const auto& s : samples) {
    if (s.ok) continue;
    ++failed;
    (s.t < t_return ? failed_down : failed_back) += s.t >= t_kill ? 1 : 0;
    last_fail = s.t;
    if (failed <= 10) fails << " " << static_cast<int>((s.t - t_kill) * 1000) << "ms";
  }
  std::size_t from_dead = 0;  // answers from the dead host while it was down (after 0.5 s)
  double slowest_steady = 0, slowest_down = 0, slowest_back = 0;  // request durations
  for (const auto& s : samples) {
    if (s.ok && s.t > t_kill + 0.5 && s.t < t_return && s.reply.peer == victim_name) ++from_dead;
    double& slowest = s.t < t_kill ? slowest_steady : s.t < t_return ? slowest_down : slowest_back;
    slowest = std::max(slowest, s.took);
  }
  if (failed == 0) fails << " none";
  std::set<std::string> peers_at_end;
  for (const auto& s : samples)
    if (s.ok && s.t > samples.back().t - 2) peers_at_end.insert(s.reply.peer);
  const double pct = samples.empty() ? 100.0 : 100.0 * failed / samples.size();
  WARN(label << ": " << samples.size() << " requests over " << samples.back().t << " s, "
       << failed << " failed (" << pct << "%): " << failed_down << " while " << victim_name
       << " was down, " << failed_back << " after it came back; failures at (ms after kill):"
       << fails.str());
  WARN(label << ": HAProxy routes nothing to the dead host "
       << (t_unrouted ? static_cast<int>((*t_unrouted - t_kill) * 1000) : -1)
       << " ms after the kill; the last failed request while it was down: "
       << (last_fail >= t_kill && last_fail < t_return
               ? std::to_string(static_cast<int>((last_fail - t_kill) * 1000)) + " ms after it"
               : std::string("none"))
       << "; all 3 replicas serve again "
       << static_cast<int>((t_moved - t_kill) * 1000) << " ms after the kill (moved index(es) "
       << moved.size() << " from survivors); the returned host serves again "
       << static_cast<int>((t_back - t_return) * 1000) << " ms after its restart; HAProxy "
       << "retried " << retries << " connection(s), redispatched " << redispatches
       << "; the slowest request took " << static_cast<int>(slowest_steady * 1000)
       << " ms before the kill, " << static_cast<int>(slowest_down * 1000)
       << " ms while the host was down, " << static_cast<int>(slowest_back * 1000)
       << " ms after it came back");
  CHECK(from_dead == 0);
  CHECK(failed * 100 < 5 * samples.size());
  CHECK(samples.size() > 2000);  // the client really ran at ~200/s
  CHECK(peers_at_end.size() == 3);
  CHECK(h.running());
}

}  // namespace

TEST_CASE("haproxy: a host dies and comes back under a steady request stream through HAProxy",
          "[serial][integration][haproxy]") {
  if (shoal::test::haproxy_binary().empty()) SHOAL_SKIP("haproxy is missing", true);
  Cluster c(3);
  std::vector<std::string> addr, nameservers;
  start_three(c, addr, nameservers);
  define_web(c, addr);

  host_dies_and_returns(
      c, addr, nameservers,
      [&](int i) {
        c.kill9(i);
        c.kill_instances(i);
      },
      "haproxy e2e (process driver)");
}

namespace {

// Every container of `peer` (any state), removed by force: what a host death takes away.
// The cluster's peers are killed before their containers are removed (so none is recreated).
struct ContainersGone {
  Cluster& c;
  std::string sock;
  ~ContainersGone() {
    for (int i = 0; i < c.size(); ++i) c.kill9(i);
    for (int i = 0; i < c.size(); ++i) remove_containers(sock, c.peer(i).name);
  }
};

}  // namespace

TEST_CASE("haproxy: the same with the docker driver on Podman: a host and its containers die",
          "[serial][integration][haproxy][docker]") {
  if (shoal::test::haproxy_binary().empty()) SHOAL_SKIP("haproxy is missing", true);
  SHOAL_REQUIRE_PODMAN();
  Cluster c(3);
  ContainersGone gone{c, podman_.socket};
  std::vector<std::string> addr, nameservers;
  for (int i = 0; i < 3; ++i)
    c.set_name(i, "hx" + std::to_string(::getpid()) + "-" + std::to_string(i));
  start_three(c, addr, nameservers,
              "runtime = { driver = \"docker\", socket = \"" + podman_.socket + "\" }\n");
  // busybox httpd answering "PEER INDEX" (published on every host address: HAProxy reaches it
  // at the peer's own one)
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\nimage = \"localhost/busybox:latest\"\n"
         "command = [\"/bin/sh\", \"-c\", \"/bin/busybox mkdir -p /www && echo $SHOAL_PEER "
         "$SHOAL_INDEX > /www/index.html && exec /bin/busybox httpd -f -p 8080 -h /www\"]\n"
         "replicas = 3\nports = { http = 8080 }\nstop_grace = \"1s\"\n"
         "health = { tcp = \"http\", interval = \"500ms\", timeout = \"400ms\", retries = 3 }\n";
  host_dies_and_returns(
      c, addr, nameservers,
      [&](int i) {
        c.kill9(i);
        remove_containers(podman_.socket, c.peer(i).name);
      },
      "haproxy e2e (docker driver, Podman)");
}

TEST_CASE("haproxy: as a global Shoal service, the HAProxy on every peer reaches every replica",
          "[serial][integration][haproxy]") {
  if (shoal::test::haproxy_binary().empty()) SHOAL_SKIP("haproxy is missing", true);
  Cluster c(3);
  std::vector<std::string> addr, nameservers;
  start_three(c, addr, nameservers);
  define_web(c, addr);
  // examples/haproxy as they are, but for 3 peers sharing one host: a dynamic port each (the
  // example's static 8080 would collide) and a stats socket each; HAProxy expands "${...}"
  std::ofstream(c.root() + "/haproxy-global.cfg") << shoal::test::render_example(
      nameservers, "\"127.0.0.1:${PORT}\"", "\"" + c.root() + "/haproxy-${SHOAL_PEER}.sock\"");
  std::string svc = shoal::test::example_text("haproxy-service.toml");
  using Edit = std::pair<std::string, std::string>;
  for (const auto& [from, to] :
       {Edit{"\"/etc/shoal/haproxy.cfg\"", "\"" + c.root() + "/haproxy-global.cfg\""},
        Edit{"{ http = { container = 8080, host = 8080 } }", "{ http = 8080 }"},
        Edit{"\"/usr/sbin/haproxy\"", "\"" + shoal::test::haproxy_binary() + "\""}}) {
    const auto at = svc.find(from);
    REQUIRE(at != std::string::npos);
    svc.replace(at, from.size(), to);
  }
  std::ofstream(c.peer(0).dir + "/services/haproxy.toml") << svc;
  // one HAProxy per peer, each with its port
  std::map<std::string, std::uint16_t> port_of;  // peer -> its HAProxy's port
  REQUIRE(wait_until(40s, [&] {
    port_of.clear();
    auto ps = c.get(0, "/v1/ps");
    if (!ps || !ps->is_array()) return false;
    for (const auto& r : *ps)
      if (r.value("service", "") == "haproxy" && r["peer"].is_string() &&
          r["host_ports"].is_object() && r["host_ports"].contains("http"))
        port_of[r["peer"].get<std::string>()] = r["host_ports"]["http"].get<std::uint16_t>();
    return port_of.size() == 3;
  }));
  // each of them reaches all 3 replicas through DNS
  for (const auto& [peer, port] : port_of) {
    INFO("the HAProxy on " << peer << " at 127.0.0.1:" << port);
    std::set<std::string> seen;
    CHECK(wait_until(40s, [&, port = port] {
      if (auto r = get_once(port)) seen.insert(r->peer + " " + std::to_string(r->index));
      return seen.size() == 3;
    }));
  }
}

namespace {

// busybox httpd answering "PEER INDEX+100*VERSION", a 4-replica service with a start-first
// update policy, on the docker driver (Podman).
void define_versioned(Cluster& c, int version) {
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\nimage = \"localhost/busybox:latest\"\n"
         "command = [\"/bin/sh\", \"-c\", \"/bin/busybox mkdir -p /www && echo $SHOAL_PEER "
         "$((SHOAL_INDEX + 100 * "
      << version
      << ")) > /www/index.html && exec /bin/busybox httpd -f -p 8080 -h /www\"]\n"
         "replicas = 4\nports = { http = 8080 }\nstop_grace = \"1s\"\n"
         "health = { tcp = \"http\", interval = \"300ms\", timeout = \"250ms\", retries = 3 }\n"
         "update = { parallelism = 2, order = \"start-first\", min_healthy_time = \"500ms\" }\n";
}

// Running containers of `web` started by the peers whose names begin with `prefix`.
int running_web(const std::string& sock, const std::string& prefix) {
  const nlohmann::json f = {{"label", {"shoal.service=web"}}};
  shoal::runtime::DockerApi api(sock, 10000);
  auto r = api.request("GET", "/containers/json?filters=" + shoal::runtime::url_encode(f.dump()));
  if (!r || r->status != 200) return -1;
  const auto list = nlohmann::json::parse(r->body, nullptr, false);
  if (!list.is_array()) return -1;
  int n = 0;
  for (const auto& c : list) {
    const auto peer = c.value("Labels", nlohmann::json::object()).value("shoal.peer", "");
    n += peer.rfind(prefix, 0) == 0 ? 1 : 0;
  }
  return n;
}

}  // namespace

// The old copy of each replaced instance stays in the catalog (so in HAProxy, through DNS)
// until its new copy is ready, then leaves it and is stopped 2 s later: HAProxy always has
// serving servers and never routes to a stopped copy. Never fewer than 4 containers run, both
// copies of an instance run at once, and no request fails (0 in 12 runs, 6.5-8.5 s each).
TEST_CASE("haproxy: a start-first update of 4 replicas on Podman keeps 4 running under a request stream",
          "[serial][integration][haproxy][docker]") {
  if (shoal::test::haproxy_binary().empty()) SHOAL_SKIP("haproxy is missing", true);
  SHOAL_REQUIRE_PODMAN();
  Cluster c(3);
  ContainersGone gone{c, podman_.socket};
  std::vector<std::string> addr, nameservers;
  for (int i = 0; i < 3; ++i)
    c.set_name(i, "hs" + std::to_string(::getpid()) + "-" + std::to_string(i));
  start_three(c, addr, nameservers,
              "runtime = { driver = \"docker\", socket = \"" + podman_.socket + "\" }\n");
  define_versioned(c, 1);
  Haproxy h(c.root(), free_port(), nameservers);
  h.start();
  REQUIRE(wait_until(40s, [&] { return h.running() && serving(h).size() == 4; }));
  Client client(h.port());
  REQUIRE(wait_until(5s, [&] { return client.samples().size() > 50; }));
  const double t_update = client.now();
  const std::string prefix = "hs" + std::to_string(::getpid()) + "-";
  REQUIRE(running_web(podman_.socket, prefix) == 4);
  define_versioned(c, 2);
  // every index answers at version 2 through HAProxy, and no version 1 answers any more
  double t_done = -1;
  int fewest = 4, most = 4;
  CHECK(wait_until(40s, [&] {
    const int n = running_web(podman_.socket, prefix);
    if (n >= 0) fewest = std::min(fewest, n), most = std::max(most, n);
    std::set<int> v2;
    double last_v1 = -1;
    for (const auto& s : client.samples()) {
      if (!s.ok || s.t < t_update) continue;
      if (s.reply.index >= 200) v2.insert(s.reply.index);
      else last_v1 = s.t;
    }
    if (v2.size() < 4 || last_v1 > client.now() - 1.0) return false;
    t_done = client.now();
    return true;
  }));
  client.stop();
  std::size_t failed = 0, total = 0;
  std::ostringstream fails;
  for (const auto& s : client.samples()) {
    if (s.t < t_update) continue;
    ++total;
    failed += s.ok ? 0 : 1;
    if (!s.ok) fails << " " << static_cast<int>((s.t - t_update) * 1000) << "ms";
  }
  INFO("failed requests at (after the write):" << fails.str() << "\nHAProxy's log:\n"
                                               << shoal::test::read_text(h.log()));
  WARN("start-first update through HAProxy (Podman): " << total << " requests, " << failed
       << " failed; every index at the new version " << static_cast<int>((t_done - t_update) * 1000)
       << " ms after the write; HAProxy retried " << h.stat("web", "BACKEND", "wretr")
       << " connection(s); containers running: " << fewest << " to " << most);
  CHECK(failed == 0);
  CHECK(fewest == 4);  // make-before-break
  CHECK(most > 4);     // both copies of an instance ran at once
  CHECK(total > 100);  // the stream ran through the update (200 requests a second)
}
