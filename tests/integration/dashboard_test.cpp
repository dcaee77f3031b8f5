// The dashboard (/ui/) in headless Chromium against a real 3-peer cluster: every member and
// instance on the page, a hostile zone shown as text, the what-if view, and a host's death seen
// live without a reload. Then the bounds of what serves it, with raw bytes on a real agent: the
// event streams (at most 16, each a held connection) and paths that try to leave /ui/.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <set>

#include "cdp_client.hpp"
#include "cluster.hpp"
#include "tests/skip.hpp"

using shoal::test::kFastGossip;
using shoal::test::Chromium;
using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;
using Json = nlohmann::json;

namespace {

const std::string kHostileZone = R"(<img src=x onerror="window.pwned=1">'&amp;)";

// What the page shows, read from its DOM (the rows' data-* attributes and cell text).
const char* kSnapshot = R"JS(JSON.stringify({
  members: Array.from(document.querySelectorAll('#members-body tr')).map(
      (t) => ({name: t.dataset.member, state: t.dataset.state, zone: t.cells[1].textContent})),
  instances: Array.from(document.querySelectorAll('#instances-body tr')).map(
      (t) => ({id: t.dataset.instance, peer: t.dataset.peer, state: t.dataset.state,
               cpu: t.cells[4].textContent, memory: t.cells[5].textContent})),
  meters: document.querySelectorAll('#members-body meter').length,
  cpu: Array.from(document.querySelectorAll('#members-body tr')).map((t) => t.cells[4].textContent),
  services: Array.from(document.querySelectorAll('#services-body tr')).map(
      (t) => t.dataset.service),
  events: Array.from(document.querySelectorAll('#events-list li')).map(
      (l) => l.dataset.kind + ' ' + l.dataset.peer),
  images: document.querySelectorAll('img').length,
  pwned: typeof window.pwned,
  page: document.body.dataset.pageId,
  refreshes: Number(document.body.dataset.refreshes),
  live: document.getElementById('live').className,
  error: document.getElementById('error').hidden ? ''
      : document.getElementById('error').textContent,
  whatIf: document.getElementById('what-if-result').textContent}))JS";

Json snapshot(Chromium& b) {
  auto v = b.eval(kSnapshot);
  if (!v || !v->is_string()) return Json();
  return Json::parse(v->get<std::string>(), nullptr, false);
}

std::string state_on_page(const Json& page, const std::string& member) {
  if (!page.is_object()) return "";
  for (const auto& m : page["members"])
    if (m["name"] == member) return m["state"];
  return "";
}

int raw_connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

// Reads from `fd` until `want` shows up in `in` or the socket ends / times out; what was read.
std::string read_until(int fd, const std::string& want, std::string in = "") {
  char buf[4096];
  while (in.find(want) == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<std::size_t>(n));
  }
  return in;
}

// One request (Connection: close); the whole answer.
std::string raw_get(std::uint16_t port, const std::string& target,
                    const std::string& headers = "Host: 127.0.0.1\r\n") {
  const int fd = raw_connect(port);
  const std::string req = "GET " + target + " HTTP/1.1\r\n" + headers + "Connection: close\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string in = read_until(fd, "\x01never");
  ::close(fd);
  return in;
}

int status_of(const std::string& reply) {
  return reply.rfind("HTTP/1.1 ", 0) == 0 && reply.size() >= 12 ? std::stoi(reply.substr(9, 3)) : 0;
}

// Opens GET /v1/events as a stream; the fd and the answer's head (and first bytes).
std::pair<int, std::string> open_stream(std::uint16_t port) {
  const int fd = raw_connect(port);
  const std::string req =
      "GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string head = read_until(fd, "\r\n\r\n");
  if (status_of(head) == 200) head = read_until(fd, "retry: 2000\n\n", head);
  return {fd, head};
}

}  // namespace

TEST_CASE("dashboard: Chromium shows every member and instance and a host's death, live",
          "[serial][integration][ui]") {
  const std::string binary = shoal::test::chromium_path();
  if (binary.empty()) SHOAL_SKIP("chromium is not installed (scripts/deps test installs it)", true);
  Cluster c(3);
  c.set_extra(2, kFastGossip + "zone = \"<img src=x onerror=\\\"window.pwned=1\\\">'&amp;\"\n");
  REQUIRE(shoal::test::start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 3\nports = { http = 8080 }\n"
         "placement = { max_per_peer = 1 }\n"
         "[service.solo]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 1\n";
  REQUIRE(wait_until(
      20s, [&] { return shoal::test::agreed_running(c, {0, 1, 2}, "web", 3).has_value(); }));

  Chromium b(binary, c.root() + "/chromium",
             "http://127.0.0.1:" + std::to_string(c.peer(0).api_port) + "/ui/");
  const std::string why = b.connect(15s);
  INFO(b.log_tail());
  REQUIRE(why == "");

  // Every member and every instance of `ps`, as the API says, with the stream live.
  Json page;
  const auto ps = c.get(0, "/v1/ps");
  REQUIRE(ps.has_value());
  std::set<std::pair<std::string, std::string>> want;
  for (const auto& i : *ps)
    want.insert({i["service"].get<std::string>() + "/" + std::to_string(i["index"].get<int>()),
                 i["peer"].is_string() ? i["peer"].get<std::string>() : ""});
  REQUIRE(wait_until(10s, [&] {
    page = snapshot(b);
    if (!page.is_object() || page["members"].size() != 3 || page["live"] != "on" ||
        page["events"].empty())  // the stream replayed this peer's log (after its head)
      return false;
    std::set<std::pair<std::string, std::string>> shown;
    for (const auto& i : page["instances"])
      shown.insert({i["id"].get<std::string>(), i["peer"].get<std::string>()});
    return shown == want;
  }));
  INFO(page.dump());
  CHECK(want.size() == 4);
  for (int i = 0; i < 3; ++i) CHECK(state_on_page(page, c.peer(i).name) == "alive");
  CHECK(page["services"] == Json::array({"solo", "web"}));
  CHECK(page["error"] == "");
  // The hostile zone is text: exactly the bytes gossiped, and no element made of it.
  CHECK(page["members"][2]["zone"] == kHostileZone);
  CHECK(page["images"] == 0);
  CHECK(page["pwned"] == "undefined");

  // What-if: tick the peer running solo/0 and ask.
  std::string solo_on;
  for (const auto& i : *ps)
    if (i["service"] == "solo") solo_on = i["peer"];
  REQUIRE(b.eval("document.querySelector('#what-if-peers input[data-peer=\"" + solo_on +
                 "\"]').click(); document.getElementById('what-if-run').click(); true")
              .has_value());
  CHECK(wait_until(5s, [&] {
    page = snapshot(b);
    const std::string t = page.is_object() ? page["whatIf"].get<std::string>() : "";
    return t.find("If " + solo_on + " went down") != std::string::npos &&
           t.find("solo/0") != std::string::npos && t.find("web/") != std::string::npos;
  }));

  // A host dies; the page (not reloaded) shows it from the stream and the next reads.
  const std::string page_id = page["page"];
  c.kill9(2);
  c.kill_instances(2);
  const bool seen = wait_until(15s, [&] {
    page = snapshot(b);
    const std::string s = state_on_page(page, c.peer(2).name);
    bool event = false;
    for (const auto& e : page["events"])
      event = event || e == "member.suspect p2" || e == "member.dead p2";
    return (s == "suspect" || s == "dead") && event;
  });
  INFO(page.dump());
  CHECK(seen);
  CHECK(page["page"] == page_id);
  // And web/ comes back on the survivors, where `max_per_peer = 1` lets it: one unplaced.
  CHECK(wait_until(15s, [&] {
    page = snapshot(b);
    if (!page.is_object()) return false;
    int unplaced = 0, elsewhere = 0;
    for (const auto& i : page["instances"]) {
      if (i["peer"] == "p2") return false;
      unplaced += i["state"] == "unplaced";
      elsewhere += i["state"] == "running";
    }
    return unplaced == 1 && elsewhere == 3;
  }));
  CHECK(page["page"] == page_id);

  // Usage bars, from GET /v1/usage. Known values: a stand-in installed before the page's script
  // answers it, and one reload reads it.
  Json usage = {{"peers", Json::array()}, {"instances", Json::array()}};
  for (const char* p : {"p0", "p1"})
    usage["peers"].push_back({{"peer", p}, {"cpu_milli", 500}, {"cpu_capacity_milli", 2000},
                              {"memory_mib", 300}, {"memory_capacity_mib", 4096}, {"age_ms", 800}});
  for (const auto& i : page["instances"]) {
    if (i["peer"] == "") continue;
    const std::string id = i["id"];
    usage["instances"].push_back({{"service", id.substr(0, id.find('/'))},
                                  {"index", std::stoi(id.substr(id.find('/') + 1))},
                                  {"peer", i["peer"]}, {"cpu_milli", 120}, {"rss_mib", 42},
                                  {"age_ms", 800}});
  }
  const std::string stand_in =
      "const real = window.fetch; window.fetch = (u, o) => String(u).endsWith('/v1/usage') ? "
      "Promise.resolve(new Response(" + Json(usage.dump()).dump() +
      ", {status: 200, headers: {'Content-Type': 'application/json'}})) : real(u, o);";
  REQUIRE(b.call("Page.enable", Json::object()).has_value());  // new-document scripts need it
  REQUIRE(b.call("Page.addScriptToEvaluateOnNewDocument", {{"source", stand_in}}).has_value());
  REQUIRE(b.call("Page.reload", Json::object()).has_value());
  CHECK(wait_until(5s, [&] {
    page = snapshot(b);
    return page.is_object() && page["meters"] == 4 && page["page"] != page_id;
  }));
  INFO(page.dump());
  CHECK(page["cpu"][0] == "500 / 2000m");
  CHECK(page["cpu"][2] == "2000m");  // the dead peer: no usage, its capacity
  for (const auto& i : page["instances"]) {
    if (i["peer"] == "") continue;
    CHECK(i["cpu"] == "120m");
    CHECK(i["memory"] == "42 MiB");
  }
}

TEST_CASE("dashboard: only the files of /ui/ with strict headers, and bounded event streams",
          "[integration][ui][asan]") {
  Cluster c(1);
  c.start(0);
  REQUIRE(wait_until(15s, [&] { return c.get(0, "/v1/status").has_value(); }));
  const std::uint16_t port = c.peer(0).api_port;

  const std::string index = raw_get(port, "/ui/");
  CHECK(status_of(index) == 200);
  CHECK(index.find("Content-Security-Policy: default-src 'none'; script-src 'self';") !=
        std::string::npos);
  CHECK(index.find("X-Content-Type-Options: nosniff") != std::string::npos);
  CHECK(index.find("Cache-Control: no-store") != std::string::npos);
  CHECK(status_of(raw_get(port, "/ui")) == 308);
  CHECK(status_of(raw_get(port, "/ui/app.js")) == 200);
  // Ways out of /ui/: none reaches a file or another endpoint.
  for (const std::string& t : std::vector<std::string>{
           "/ui/../", "/ui/../v1/members", "/ui/%2e%2e/", "/ui/%2E%2E/%2E%2E/etc/passwd",
        "/ui/..%2f..%2fetc%2fpasswd", "/ui/./index.html", "/ui//index.html", "/ui/app.js/",
        "/ui/app.js%00.html", "/ui/" + std::string(6000, 'a')}) {
    INFO(t.substr(0, 60));
    const std::string r = raw_get(port, t);
    CHECK(status_of(r) == 404);
    CHECK(r.find("Content-Security-Policy") != std::string::npos);
    CHECK(r.find("incarnation") == std::string::npos);
    CHECK(r.find("root:") == std::string::npos);
  }
  // Past Beast's header limit the request is refused before any route: no answer at all.
  CHECK(status_of(raw_get(port, "/ui/" + std::string(100000, '.'))) != 200);
  // A page under another name (DNS rebinding) gets nothing, /ui/ included.
  CHECK(status_of(raw_get(port, "/ui/", "Host: evil.example\r\n")) == 421);

  // Streams: 16 open at once, each a held connection; the 17th is refused, the API still answers.
  std::vector<int> streams;
  for (int i = 0; i < 16; ++i) {
    auto [fd, head] = open_stream(port);
    INFO(head);
    CHECK(status_of(head) == 200);
    CHECK(head.find("Content-Type: text/event-stream") != std::string::npos);
    CHECK(head.find("Cache-Control: no-store") != std::string::npos);
    streams.push_back(fd);
  }
  auto [extra, refused] = open_stream(port);
  CHECK(status_of(refused) == 503);
  ::close(extra);
  auto st = c.get(0, "/v1/status");
  REQUIRE(st.has_value());
  CHECK((*st)["stats"].value("events_held", 0) == 16);
  // An event reaches a stream as it happens.
  std::ofstream(c.peer(0).dir + "/services/late.toml")
      << "[service.late]\ncommand = [\"sleep\", \"1000\"]\n";
  const std::string live = read_until(streams[0], "\"service\":\"late\"");
  INFO(live);
  CHECK(live.find("\"kind\":\"spec.changed\"") != std::string::npos);
  // A stream's client that sends anything more is dropped; closed ones free their slots.
  ::send(streams[1], "GET / HTTP/1.1\r\n\r\n", 18, MSG_NOSIGNAL);
  CHECK(read_until(streams[1], "\x01never").find("HTTP/1.1") == std::string::npos);
  for (std::size_t i = 2; i < streams.size(); ++i) ::close(streams[i]);
  CHECK(wait_until(5s, [&] {
    auto s = c.get(0, "/v1/status");
    return s && (*s)["stats"].value("events_held", -1) == 1;
  }));
  auto [again, head] = open_stream(port);
  CHECK(status_of(head) == 200);
  ::close(again);
  ::close(streams[0]);
  ::close(streams[1]);
}
