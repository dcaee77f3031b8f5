// Issue 18 item 3, GET /metrics on real peers: the text passes `promtool check metrics`, both
// API listeners serve it without a token, and a real Prometheus (Debian package `prometheus`,
// started here with a temporary config and data dir, killed by PID) scrapes one peer and
// answers a query with what the peer counts.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster.hpp"
#include "net.hpp"
#include "node/http.hpp"
#include "tests/skip.hpp"

extern char** environ;

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

bool on_path(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// One raw HTTP/1.1 exchange (Connection: close) with 127.0.0.1:port: headers and body as sent.
std::string raw_get(std::uint16_t port, const std::string& target) {
  const int fd = shoal::test::tcp_connect(port);
  if (fd < 0) return "";
  std::string out;
  const std::string req =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (shoal::test::send_all(fd, req)) out = shoal::test::recv_all(fd);
  ::close(fd);
  return out;
}

// (exit status, stdout + stderr) of `promtool check metrics` on `text`.
std::pair<int, std::string> promtool_check(const Cluster& c, const std::string& text) {
  const std::string in = c.root() + "/metrics.txt";
  std::ofstream(in) << text;
  std::string out;
  FILE* f = ::popen(("promtool check metrics < " + in + " 2>&1").c_str(), "r");
  if (f == nullptr) return {-1, "popen failed"};
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), f)) out.append(buf.data(), n);
  const int st = ::pclose(f);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

// A child process killed (SIGKILL) and reaped by PID when this goes.
struct Child {
  pid_t pid = -1;
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

}  // namespace

TEST_CASE("metrics: a 3-peer cluster serves /metrics that promtool accepts, on both listeners") {
  if (!on_path("promtool")) SHOAL_SKIP("promtool missing (Debian package prometheus)", true);
  Cluster c(3);
  std::ofstream(c.peer(0).dir + "/services/sleeper.toml")
      << "[service.sleeper]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 3\nstop_grace = \"1s\"\n";
  REQUIRE(shoal::test::start_all_ready(c));
  // The three instances start somewhere: 3 running over the peers, and what started minus what
  // stopped is 3 (the first peer up may place them all on itself, then hand them off); the
  // first start of each instance is `fresh`.
  // The sum over the peers of every sample whose series starts with `prefix`.
  const auto summed = [&](const std::string& prefix) {
    std::uint64_t n = 0;
    for (int i = 0; i < 3; ++i) {
      std::istringstream t(raw_get(c.peer(i).api_port, "/metrics"));
      for (std::string line; std::getline(t, line);) {
        if (line.rfind(prefix, 0) == 0) n += std::stoull(line.substr(line.rfind(' ') + 1));
      }
    }
    return n;
  };
  std::uint64_t starts = 0, stops = 0;
  CHECK(wait_until(30s, [&] {
    starts = summed("shoal_instance_starts_total{");
    stops = summed("shoal_instance_stops_total{");
    return summed("shoal_instances{state=\"running\"}") == 3 && starts == stops + 3;
  }));
  INFO("starts " << starts << ", stops " << stops);
  CHECK(summed("shoal_instance_starts_total{reason=\"fresh\"}") >= 3);
  CHECK(summed("shoal_instance_start_failures_total") == 0);
  CHECK(summed("shoal_instances_unplaced{service=\"sleeper\"}") == 0);
  for (int i = 0; i < 3; ++i) {
    INFO("peer " << i);
    std::string raw;
    // All three alive in this peer's view, as /v1/status says.
    REQUIRE(wait_until(10s, [&] {
      raw = raw_get(c.peer(i).api_port, "/metrics");
      return raw.find("\r\n\r\n") != std::string::npos &&
             raw.find("\nshoal_members{state=\"alive\"} 3\n") != std::string::npos;
    }));
    const std::string head = raw.substr(0, raw.find("\r\n\r\n"));
    const std::string body = raw.substr(raw.find("\r\n\r\n") + 4);
    CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(head.find("Content-Type: text/plain; version=0.0.4; charset=utf-8") != std::string::npos);
    CHECK(body.find("shoal_peer_info{peer=\"" + c.peer(i).name + "\"") != std::string::npos);
    CHECK(body.find("\nshoal_gossip_probes_total ") != std::string::npos);
    CHECK(body.find("shoal_state_keys{kind=\"live\"} ") != std::string::npos);
    const auto [rc, out] = promtool_check(c, body);
    INFO(out);
    CHECK(rc == 0);
    CHECK(out.empty());
  }
  // Hostile requests (made-up methods, a new path each) cannot grow the series: they fold into
  // `other`, and the text still passes promtool.
  for (int k = 0; k < 40; ++k) {
    raw_get(c.peer(0).api_port, "/nope-" + std::to_string(k) + "%22%7D%0A?x=%22");
    raw_get(c.peer(0).api_port, "/v1/catalog/x" + std::to_string(k));
  }
  for (const char* m : {"BREW", "PROPFIND", "X\"Y"}) {
    const int fd = shoal::test::tcp_connect(c.peer(0).api_port);
    if (fd < 0) continue;
    (void)shoal::test::send_all(fd, std::string(m) + " /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    std::array<char, 512> buf{};
    (void)!::recv(fd, buf.data(), buf.size(), 0);
    ::close(fd);
  }
  // The earlier requests are counted by route and status class, in a handful of series.
  const std::string again = raw_get(c.peer(0).api_port, "/metrics");
  INFO(again);
  CHECK(again.find("shoal_api_requests_total{code=\"2xx\",method=\"GET\",route=\"/metrics\"} ") !=
        std::string::npos);
  CHECK(again.find("shoal_api_requests_total{code=\"4xx\",method=\"GET\",route=\"other\"} 40\n") !=
        std::string::npos);
  std::size_t api_series = 0;
  const std::string series = "\nshoal_api_requests_total{";
  for (auto at = again.find(series); at != std::string::npos; at = again.find(series, at + 1)) {
    ++api_series;
  }
  CHECK(api_series <= 8);
  CHECK(again.find("shoal_api_requests_total{code=\"4xx\",method=\"other\",route=\"other\"} 2\n") !=
        std::string::npos);  // BREW and PROPFIND; the quoted method is refused by the parser
  CHECK(promtool_check(c, again.substr(again.find("\r\n\r\n") + 4)).first == 0);
  // Over the unix socket too (its file mode is the authority; a read needs none anyway).
  const auto st = c.get(0, "/v1/status");
  REQUIRE(st);
  const auto r = shoal::node::http_call_unix((*st)["api_socket"].get<std::string>(), "GET",
                                             "/metrics", "", "", 5000);
  REQUIRE(r.ok);
  CHECK(r.status == 200);
  CHECK(r.body.find("\nshoal_members{state=\"alive\"} 3\n") != std::string::npos);
  CHECK(promtool_check(c, r.body).first == 0);
}

TEST_CASE("metrics: a real Prometheus scrapes a peer and answers a query with its members") {
  if (!on_path("prometheus")) SHOAL_SKIP("prometheus missing (Debian package prometheus)", true);
  Cluster c(3);
  REQUIRE(shoal::test::start_all_ready(c));
  const std::uint16_t prom_port = shoal::test::free_port();
  const std::string dir = c.root() + "/prometheus";
  REQUIRE(std::system(("mkdir -p " + dir + "/data").c_str()) == 0);
  std::ofstream(dir + "/prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
      << "scrape_configs:\n  - job_name: shoal\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << c.peer(1).api_port << "']\n";
  const std::vector<std::string> args = {
      "prometheus", "--config.file=" + dir + "/prometheus.yml",
      "--storage.tsdb.path=" + dir + "/data",
      "--web.listen-address=127.0.0.1:" + std::to_string(prom_port), "--log.level=warn"};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  const std::string log = dir + "/log";
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  Child prom;
  const int err = ::posix_spawnp(&prom.pid, "prometheus", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  REQUIRE(err == 0);

  // shoal_members{state="alive"}, URL-encoded.
  const std::string query = "/api/v1/query?query=shoal_members%7Bstate%3D%22alive%22%7D";
  nlohmann::json last;
  const bool seen = wait_until(60s, [&] {
    const auto r = shoal::node::http_call("127.0.0.1", prom_port, "GET", query, "", "", 2000);
    if (!r.ok || r.status != 200) return false;
    last = nlohmann::json::parse(r.body, nullptr, false);
    if (!last.is_object() || last.value("status", "") != "success") return false;
    const auto& res = last["data"]["result"];
    return res.is_array() && res.size() == 1 && res[0]["value"][1] == "3" &&
           res[0]["metric"]["job"] == "shoal";
  });
  INFO("last answer: " << last.dump() << "\nprometheus log:\n" << shoal::test::read_text(log));
  CHECK(seen);
  // The scrape itself went well: Prometheus reports the target up.
  const auto up =
      shoal::node::http_call("127.0.0.1", prom_port, "GET", "/api/v1/query?query=up", "", "", 2000);
  REQUIRE(up.ok);
  const auto uj = nlohmann::json::parse(up.body, nullptr, false);
  REQUIRE(uj.is_object());
  CHECK(uj["data"]["result"][0]["value"][1] == "1");
}
