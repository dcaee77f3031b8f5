// The catalog (issue 16 items 2 and 4) against real agents with sealed gossip, each peer on its
// own loopback address (127.0.0.11, .12, .13: an address taken from the wrong place cannot
// pass): GET /v1/catalog/<service> lists a 3-replica service's instances at their owners'
// advertise addresses with an X-Shoal-Index, 404 for an unknown service; blocking queries
// return on a change well before `wait` and at `wait` when nothing changes; 40 held queries
// leave the API answering (8 past the cap of 32 are answered at once, a closed one frees its
// slot); `shoal endpoints --json` prints the API's array, `--watch` prints again on a change;
// `shoal ps` shows each instance's address.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "agent_binary.hpp"
#include "cluster.hpp"
#include "net.hpp"
#include "node/http.hpp"

extern char** environ;

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

// Peer i binds and advertises 127.0.0.(11+i): rewrites every peer file's gossip addresses.
void own_addresses(Cluster& c) {
  for (int i = 0; i < c.size(); ++i) {
    std::string text = shoal::test::read_text(c.peer(i).config);
    for (int j = 0; j < c.size(); ++j) {
      const std::string from = "127.0.0.1:" + std::to_string(c.peer(j).gossip_port);
      const std::string to = "127.0.0." + std::to_string(11 + j) + ":" +
                             std::to_string(c.peer(j).gossip_port);
      for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at)) {
        text.replace(at, from.size(), to);
        at += to.size();
      }
    }
    std::ofstream(c.peer(i).config) << text;
  }
}

shoal::node::HttpResult get(Cluster& c, int i, const std::string& path, int timeout_ms = 3000) {
  return shoal::node::http_call("127.0.0.1", c.peer(i).api_port, "GET", path, "", "",
                                timeout_ms);
}

Json body(const shoal::node::HttpResult& r) { return Json::parse(r.body, nullptr, false); }

// The catalog of `svc` on peer i when it lists n instances, all running; else null.
Json running(Cluster& c, int i, const std::string& svc, std::size_t n) {
  auto r = get(c, i, "/v1/catalog/" + svc);
  if (!r.ok || r.status != 200) return Json();
  Json j = body(r);
  if (!j.is_array() || j.size() != n) return Json();
  for (const auto& e : j)
    if (e.value("state", "") != "running") return Json();
  return j;
}

// Peer name -> the host part of its advertise address, from peer i's /v1/members.
std::map<std::string, std::string> member_hosts(Cluster& c, int i) {
  std::map<std::string, std::string> out;
  auto m = c.get(i, "/v1/members");
  if (!m) return out;
  for (const auto& e : *m) {
    const std::string addr = e.value("addr", "");
    out[e.value("name", "")] = addr.substr(0, addr.rfind(':'));
  }
  return out;
}

// A raw blocking query on its own connection (target "": an idle one); the socket, or -1.
int raw_query(std::uint16_t port, const std::string& target) {
  const int fd = shoal::test::tcp_connect(port);
  if (fd < 0) return -1;
  if (!target.empty()) {  // else an idle connection
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    (void)!::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  }
  return fd;
}

// Whether `fd` has something to read within `ms`.
bool answered(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 1;
}

void write_catalog_service(Cluster& c, const std::string& name, int replicas) {
  std::ofstream(c.peer(0).dir + "/services/" + name + ".toml")
      << "[service." << name << "]\ncommand = [\"sleep\", \"1000\"]\nreplicas = " << replicas
      << "\nports = { http = 8000 }\n"
      << "restart = { condition = \"any\", delay = \"200ms\" }\n";
}

// SIGKILL to the live instance process of svc/index on peer i; whether there was one.
bool kill_instance(Cluster& c, int i, const std::string& svc, int index) {
  for (const auto& r : c.instances(i)) {
    if (r.labels.service == svc && static_cast<int>(r.labels.index) == index &&
        shoal::test::instance_alive(r)) {
      return ::kill(static_cast<pid_t>(r.pid), SIGKILL) == 0;
    }
  }
  return false;
}

// stats.catalog_held of peer i's /v1/status: the blocking queries it holds (-1: unknown).
long held_on(Cluster& c, int i) {
  auto s = c.get(i, "/v1/status");
  if (!s || !(*s)["stats"].contains("catalog_held")) return -1;
  return (*s)["stats"]["catalog_held"].get<long>();
}

using Clock = std::chrono::steady_clock;
long ms_since(Clock::time_point t) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

}  // namespace

TEST_CASE("catalog: a 3-replica service at its owners' advertise addresses, 404 unknown",
          "[integration][catalog]") {
  Cluster c(3);
  own_addresses(c);
  REQUIRE(shoal::test::start_all_ready(c));
  write_catalog_service(c, "web", 3);
  Json cat;
  REQUIRE(wait_until(30s, [&] { return !(cat = running(c, 1, "web", 3)).is_null(); }));

  const auto hosts = member_hosts(c, 1);
  REQUIRE(hosts.size() == 3);
  for (const auto& [name, host] : hosts) CHECK(host != "127.0.0.1");
  for (std::size_t k = 0; k < cat.size(); ++k) {
    const Json& e = cat[k];
    CHECK(e["service"] == "web");
    CHECK(e["index"] == k);
    CHECK(e["address"] == hosts.at(e["peer"].get<std::string>()));
    CHECK(e["ports"]["http"].get<int>() > 0);
    CHECK(e.size() == 6);  // service index peer address ports state: the contract's keys
  }
  // The index: present, decimal, the same while nothing changes, another for another answer.
  auto r1 = get(c, 1, "/v1/catalog/web");
  auto r2 = get(c, 1, "/v1/catalog/web");
  REQUIRE(!r1.shoal_index.empty());
  CHECK(r1.shoal_index.find_first_not_of("0123456789") == std::string::npos);
  if (r1.body == r2.body) CHECK(r1.shoal_index == r2.shoal_index);
  write_catalog_service(c, "api", 1);
  REQUIRE(wait_until(30s, [&] { return !running(c, 1, "api", 1).is_null(); }));
  CHECK(get(c, 1, "/v1/catalog/api").shoal_index != r1.shoal_index);

  // `shoal ps` (item 4): the same addresses and ports, in the JSON and the table.
  Json ps = shoal::test::ps_json(c, 2);
  REQUIRE(ps.is_array());
  for (const auto& row : ps) {
    if (row["service"] != "web") continue;
    CHECK(row["address"] == hosts.at(row["peer"].get<std::string>()));
    CHECK(row["host_ports"] == cat[row["index"].get<int>()]["ports"]);
  }
  auto [pcode, ptable] = c.cli({"ps", "--api", shoal::test::api_addr(c, 2)});
  CHECK(pcode == 0);
  CHECK(ptable.find("ADDRESS") != std::string::npos);
  CHECK(ptable.find(hosts.at(cat[0]["peer"].get<std::string>())) != std::string::npos);

  // Unknown service: 404 with a JSON error; bad input: 400.
  auto nope = get(c, 0, "/v1/catalog/nope");
  CHECK(nope.status == 404);
  CHECK(body(nope)["error"].get<std::string>().find("nope") != std::string::npos);
  CHECK(get(c, 0, "/v1/catalog/web?wait=soon").status == 400);
  CHECK(get(c, 0, "/v1/catalog/web?index=x").status == 400);
  CHECK(get(c, 0, "/v1/catalog/BAD").status == 400);

  // The CLI prints the API's array; unknown service exits 1, a bad name 2.
  const std::string api = shoal::test::api_addr(c, 0);
  CHECK(wait_until(10s, [&] {
    auto [code, out] = c.cli({"endpoints", "web", "--json", "--api", api});
    return code == 0 && Json::parse(out, nullptr, false) == body(get(c, 0, "/v1/catalog/web"));
  }));
  auto [tcode, table] = c.cli({"endpoints", "web", "--api", api});
  CHECK(tcode == 0);
  CHECK(table.rfind("SERVICE  INDEX  PEER", 0) == 0);
  CHECK(table.find("http=") != std::string::npos);
  CHECK(c.cli({"endpoints", "nope", "--api", api}).first == 1);
  CHECK(c.cli({"endpoints", "No_Such", "--api", api}).first == 2);
  auto [hcode, help] = c.cli({"endpoints", "--help"});
  CHECK(hcode == 0);
  CHECK(help.find("--watch") != std::string::npos);
}

TEST_CASE("catalog: a blocking query returns on a change well before wait, else at wait",
          "[integration][catalog]") {
  Cluster c(1);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  write_catalog_service(c, "web", 1);
  REQUIRE(wait_until(20s, [&] { return !running(c, 0, "web", 1).is_null(); }));
  auto now = get(c, 0, "/v1/catalog/web");
  REQUIRE(now.status == 200);

  // Nothing changes: answered when the wait passes, with the same index and array.
  {
    const auto t = Clock::now();
    auto held = get(c, 0, "/v1/catalog/web?index=" + now.shoal_index + "&wait=2s", 10000);
    const long took = ms_since(t);
    REQUIRE(held.status == 200);
    CHECK(held.shoal_index == now.shoal_index);
    CHECK(held.body == now.body);
    CHECK(took >= 1900);
    CHECK(took < 5000);
  }
  // A stale index is answered at once.
  {
    const auto t = Clock::now();
    auto stale = get(c, 0, "/v1/catalog/web?index=1&wait=30s", 10000);
    CHECK(stale.shoal_index == now.shoal_index);
    CHECK(ms_since(t) < 1500);
  }
  // The instance dies and is restarted: the held query returns with the change, long before
  // its 30 s wait.
  auto held = std::async(std::launch::async, [&] {
    return get(c, 0, "/v1/catalog/web?index=" + now.shoal_index + "&wait=30s", 40000);
  });
  REQUIRE(wait_until(5s, [&] { return held_on(c, 0) == 1; }));
  const auto t = Clock::now();
  REQUIRE(kill_instance(c, 0, "web", 0));
  auto changed = held.get();
  const long took = ms_since(t);
  REQUIRE(changed.status == 200);
  CHECK(changed.shoal_index != now.shoal_index);
  CHECK(changed.body != now.body);
  CHECK(took < 10000);
  WARN("a held catalog query returned " << took << " ms after its instance was killed");
  // ... and it runs again (state back to running, on a new host port or the same).
  CHECK(wait_until(20s, [&] { return !running(c, 0, "web", 1).is_null(); }));

  // `shoal endpoints --watch`: printed once, then again after a change (replicas 1 -> 2).
  const std::string out_path = c.root() + "/watch.out";
  const std::string api = shoal::test::api_addr(c, 0);
  std::vector<std::string> args{shoal_bin(), "endpoints", "web", "--json", "--watch", "--api", api};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  REQUIRE(posix_spawn(&pid, shoal_bin(), &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  auto lines = [&] {
    const std::string t = shoal::test::read_text(out_path);
    return std::count(t.begin(), t.end(), '\n');
  };
  CHECK(wait_until(10s, [&] { return lines() == 1; }));
  write_catalog_service(c, "web", 2);
  CHECK(wait_until(20s, [&] { return lines() >= 2; }));
  ::kill(pid, SIGINT);  // Ctrl-C: a watch ends with exit 0
  int status = -1;
  if (!wait_until(5s, [&] { return ::waitpid(pid, &status, WNOHANG) == pid; })) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  const std::string text = shoal::test::read_text(out_path);
  const Json last = Json::parse(text.substr(text.rfind('\n', text.size() - 2) + 1), nullptr, false);
  CHECK(last.is_array());
  CHECK(last != Json::parse(text.substr(0, text.find('\n')), nullptr, false));
}

TEST_CASE("catalog: 40 held blocking queries, the API still answers, a closed one frees its slot",
          "[asan][integration][catalog][api]") {
  Cluster c(1);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  write_catalog_service(c, "web", 1);
  REQUIRE(wait_until(20s, [&] { return !running(c, 0, "web", 1).is_null(); }));
  const std::string index = get(c, 0, "/v1/catalog/web").shoal_index;
  const std::string target = "/v1/catalog/web?index=" + index + "&wait=60s";
  std::vector<int> fds;
  for (int k = 0; k < 40; ++k) {
    int fd = raw_query(c.peer(0).api_port, target);
    REQUIRE(fd >= 0);
    fds.push_back(fd);
  }
  // The 8 past the cap of 32 are answered at once (with the current index), the 32 are held.
  CHECK(wait_until(10s, [&] { return held_on(c, 0) == 32; }));
  CHECK(wait_until(5s, [&] {
    return std::count_if(fds.begin(), fds.end(), [](int fd) { return answered(fd, 0); }) >= 8;
  }));
  std::vector<int> held;
  int at_once = 0;
  for (int fd : fds) {
    if (answered(fd, 0)) {
      ++at_once;
      char buf[4096];
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      CHECK(std::string(buf, n > 0 ? n : 0).find("X-Shoal-Index: " + index) != std::string::npos);
      ::close(fd);
    } else {
      held.push_back(fd);
    }
  }
  CHECK(at_once == 8);
  CHECK(held.size() == 32);
  // The API answers meanwhile, at once.
  const auto t = Clock::now();
  auto st = get(c, 0, "/v1/status", 2000);
  CHECK(st.status == 200);
  CHECK(ms_since(t) < 1000);
  // The cap is full: one more is answered at once ...
  int extra = raw_query(c.peer(0).api_port, target);
  CHECK(answered(extra, 2000));
  ::close(extra);
  // ... until held ones go away: their clients closing frees their slots.
  for (int k = 0; k < 4; ++k) ::close(held[k]);
  held.erase(held.begin(), held.begin() + 4);
  CHECK(wait_until(5s, [&] { return held_on(c, 0) == 28; }));
  extra = raw_query(c.peer(0).api_port, target);
  CHECK_FALSE(answered(extra, 1500));
  held.push_back(extra);
  // Held sessions count against the listener's 64 connections: of 40 more (idle) ones, those
  // past 64 are closed at once; the unix socket answers meanwhile.
  std::vector<int> idle;
  for (int k = 0; k < 40; ++k) idle.push_back(raw_query(c.peer(0).api_port, ""));
  const long excess = static_cast<long>(held.size()) + 40 - 64;  // had held ones not counted: 0
  REQUIRE(excess > 0);
  CHECK(wait_until(5s, [&] {
    return std::count_if(idle.begin(), idle.end(), [](int fd) { return answered(fd, 0); }) >=
           excess;
  }));
  auto via_unix = shoal::node::http_call_unix(c.peer(0).dir + "/data/api.sock", "GET",
                                              "/v1/status", "", "", 3000);
  CHECK(via_unix.status == 200);
  for (int fd : idle) ::close(fd);
  for (int fd : held) ::close(fd);
  CHECK(wait_until(10s, [&] { return held_on(c, 0) == 0; }));
}

// The latency a held query adds between a change and its answer (docs/benchmarks.md): a poller
// asks for the catalog without an index every ~2 ms while a query is held; the change happened
// after the poller's last unchanged answer was sent and before its first changed one, so the
// held answer's delay lies between (arrival - first changed poll received) and (arrival - last
// unchanged poll sent).
TEST_CASE("catalog: latency a held query adds to a change (measured)", "[serial][integration][catalog]") {
  Cluster c(1);
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  write_catalog_service(c, "web", 1);
  std::vector<long> low, high;
  for (int round = 0; round < 5; ++round) {
    REQUIRE(wait_until(20s, [&] { return !running(c, 0, "web", 1).is_null(); }));
    const std::string index = get(c, 0, "/v1/catalog/web").shoal_index;
    Clock::time_point arrival;
    auto held = std::async(std::launch::async, [&] {
      auto r = get(c, 0, "/v1/catalog/web?index=" + index + "&wait=30s", 40000);
      arrival = Clock::now();
      return r;
    });
    REQUIRE(wait_until(5s, [&] { return held_on(c, 0) == 1; }));
    std::atomic<bool> stop{false};
    Clock::time_point last_unchanged_sent, first_changed_seen;
    auto poller = std::async(std::launch::async, [&] {
      while (!stop) {
        const auto sent = Clock::now();
        auto r = get(c, 0, "/v1/catalog/web", 2000);
        if (r.ok && r.shoal_index != index) {
          first_changed_seen = Clock::now();
          return;
        }
        last_unchanged_sent = sent;
        std::this_thread::sleep_for(2ms);
      }
    });
    std::this_thread::sleep_for(20ms);  // a few unchanged polls first (a measurement, not a wait)
    REQUIRE(kill_instance(c, 0, "web", 0));
    auto r = held.get();
    poller.wait_for(5s);
    stop = true;
    poller.get();
    REQUIRE(r.shoal_index != index);
    using std::chrono::duration_cast;
    using std::chrono::microseconds;
    low.push_back(duration_cast<microseconds>(arrival - first_changed_seen).count());
    high.push_back(duration_cast<microseconds>(arrival - last_unchanged_sent).count());
  }
  std::string text;
  for (std::size_t k = 0; k < low.size(); ++k)
    text += " [" + std::to_string(low[k]) + ", " + std::to_string(high[k]) + "]";
  WARN("a held catalog query's answer after the change, in microseconds (bounds per round):"
       << text);
  for (long h : high) CHECK(h < 1000000);  // well under a second
}
