// `shoal logs` from any peer (issue 18 item 1): a service prints known lines on one peer of a
// sealed 2-peer cluster; the other peer, asked, forwards over the sealed stream channel and
// returns them with their keys and each line's arrival time, and `-f` there prints a line
// printed later. Then, as an attacker holding the cluster key would, raw sealed logs frames
// that do not decode on the
// owner's stream port: refused and counted, and the peer goes on answering.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <string>

#include "agent_binary.hpp"
#include "cluster.hpp"
#include "net.hpp"
#include "node/http.hpp"
#include "node/logs_wire.hpp"
#include "node/peer/event_log.hpp"
#include "node/sealer.hpp"

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;
namespace gossip = shoal::gossip;

namespace {

using shoal::test::tcp_connect;

// One stream-channel frame: a 4-byte big-endian length, then the bytes.
bool send_frame(int fd, const gossip::Bytes& b) {
  std::string s = shoal::test::frame_header(static_cast<std::uint32_t>(b.size()));
  s.append(reinterpret_cast<const char*>(b.data()), b.size());
  return shoal::test::send_all(fd, s);
}

gossip::Bytes log_bytes(const std::string& s) {
  gossip::Bytes b;
  for (char c : s) b.push_back(static_cast<std::byte>(c));
  return b;
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) v.push_back(nlohmann::json::parse(line, nullptr, false));
  return v;
}

}  // namespace

TEST_CASE("logs: the peer that does not run the service returns its lines, forwarded sealed",
          "[integration][logs][asan]") {
  Cluster c(2);
  REQUIRE(shoal::test::start_all_ready(c));
  std::ofstream(c.peer(0).dir + "/services/talk.toml")
      << "[service.talk]\ncommand = [\"sh\", \"-c\", "
         "\"echo first-out; echo second-out; echo an-error >&2; "
         "while [ ! -e go ]; do sleep 0.1; done; echo after-go; exec sleep 1000\"]\n"
         "replicas = 1\n";
  std::optional<std::map<int, std::string>> where;
  REQUIRE(wait_until(30s, [&] {
    where = shoal::test::agreed_running(c, {0, 1}, "talk", 1);
    return where.has_value();
  }));
  const std::string owner_name = where->at(0);
  const int owner = owner_name == c.peer(0).name ? 0 : 1;
  const int other = 1 - owner;

  // From the peer that does not run it: every line, with its keys.
  std::vector<nlohmann::json> lines;
  REQUIRE(wait_until(15s, [&] {
    auto [code, out] = c.cli({"logs", "talk/0", "--json", "--api", shoal::test::api_addr(c, other)});
    lines = json_lines(out);
    return code == 0 && lines.size() == 3;
  }));
  std::map<std::string, std::string> stream_of;
  for (const auto& l : lines) {
    REQUIRE(l.is_object());
    CHECK(l["service"] == "talk");
    CHECK(l["index"] == 0);
    CHECK(l["peer"] == owner_name);
    CHECK(l["ts"].get<std::string>().size() == 24);  // 2026-12-07T05:20:00.123Z
    stream_of[l["line"].get<std::string>()] = l["stream"].get<std::string>();
  }
  CHECK(stream_of == std::map<std::string, std::string>{
                         {"first-out", "stdout"}, {"second-out", "stdout"}, {"an-error", "stderr"}});
  // The order within a stream is kept; the text form names the instance and the peer.
  auto [code, text] = c.cli({"logs", "talk", "--tail", "1", "--api", shoal::test::api_addr(c, other)});
  CHECK(code == 0);
  CHECK_THAT(text, Catch::Contains("talk/0 " + owner_name + "| second-out"));
  CHECK_THAT(text, Catch::Contains("talk/0 " + owner_name + " stderr| an-error"));
  CHECK(text.find("first-out") == std::string::npos);
  // The answer's cursor (what -f polls with) over the forwarded path: nothing twice.
  auto api_get = [&](const std::string& target) {
    auto r = shoal::node::http_call("127.0.0.1", c.peer(other).api_port, "GET", target, "", "", 10000);
    REQUIRE(r.ok);
    REQUIRE(r.status == 200);
    return nlohmann::json::parse(r.body);
  };
  auto first = api_get("/v1/logs?service=talk&index=0");
  CHECK(first["lines"].size() == 3);
  REQUIRE(first["cursor"].contains(owner_name));
  std::string enc;
  for (unsigned char ch : first["cursor"].dump()) {
    static const char* hex = "0123456789ABCDEF";
    if (std::isalnum(ch)) enc += static_cast<char>(ch);
    else (enc += '%') += std::string{hex[ch >> 4], hex[ch & 15]};
  }
  auto next = api_get("/v1/logs?service=talk&index=0&cursor=" + enc);
  CHECK(next["lines"].empty());
  CHECK(next["errors"].empty());
  CHECK(next["cursor"] == first["cursor"]);
  // -f from the non-owner: a line printed later arrives; Ctrl-C ends it with 0.
  const std::string follow_out = c.root() + "/follow.out";
  std::vector<std::string> args{shoal_bin(), "logs", "talk/0", "-f", "--json", "--api",
                                shoal::test::api_addr(c, other)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, follow_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t follower = -1;
  REQUIRE(posix_spawn(&follower, shoal_bin(), &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  CHECK(wait_until(10s, [&] { return json_lines(shoal::test::read_text(follow_out)).size() == 3; }));
  const std::string go_ts = shoal::node::utc_timestamp(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::ofstream(c.peer(owner).dir + "/data/work/talk-0/go") << "";
  CHECK(wait_until(10s, [&] {
    auto got = json_lines(shoal::test::read_text(follow_out));
    return got.size() == 4 && got[3]["line"] == "after-go" && got[3]["peer"] == owner_name;
  }));
  // Each line carries the time it arrived, not its file's last write: the lines printed at the
  // start are older than the go file, after-go is not (RFC 3339 strings sort as times).
  auto timed = json_lines(
      c.cli({"logs", "talk/0", "--json", "--api", shoal::test::api_addr(c, other)}).second);
  REQUIRE(timed.size() == 4);
  for (const auto& l : timed) {
    INFO(l.dump() << " go at " << go_ts);
    if (l["line"] == "after-go") CHECK(l["ts"].get<std::string>() >= go_ts);
    else CHECK(l["ts"].get<std::string>() < go_ts);
  }
  ::kill(follower, SIGINT);
  int status = -1;
  ::waitpid(follower, &status, 0);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  // Bad input: exit 2; nothing runs it: exit 1; an unknown parameter: 400 naming it.
  CHECK(c.cli({"logs", "talk/x", "--api", shoal::test::api_addr(c, other)}).first == 2);
  CHECK(c.cli({"logs", "nosuch", "--api", shoal::test::api_addr(c, other)}).first == 1);
  auto bad = shoal::node::http_call("127.0.0.1", c.peer(other).api_port, "GET",
                                    "/v1/logs?service=talk&follow=1", "", "", 5000);
  REQUIRE(bad.ok);
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::Contains("unknown parameter `follow`"));

  // Sealed logs frames that do not decode, on the owner's stream port: each is refused and
  // counted (as a malformed gossip frame is), and a good request on the same connection after
  // them still gets its answer back on it.
  REQUIRE(sodium_init() >= 0);
  shoal::node::Sealer sealer;
  REQUIRE(sealer.load(c.keyring_of(owner), "").empty());
  auto dropped = [&] {
    auto st = c.get(owner, "/v1/status");
    return st ? (*st)["stats"]["packets_dropped"].get<std::uint64_t>() : 0;
  };
  const std::uint64_t dropped_before = dropped();
  int fd = tcp_connect(c.peer(owner).gossip_port);
  REQUIRE(fd >= 0);
  REQUIRE(send_frame(fd, sealer.seal({}, gossip::Channel::stream)));  // the hello
  const std::string head("\xF1\x01\x01\x00\x00\x00\x01", 7);
  for (const std::string& hostile :
       {head + "{not json", head + std::string(5000, '['),
        std::string("\xF1\x09\x01\x00\x00\x00\x01{}", 9),
        head + R"({"service":"talk","index":0,"tail":99999999,"since_ms":0})",
        head + "{\"service\":\"t\xff\",\"index\":0,\"tail\":1,\"since_ms\":0}",
        std::string("\xF1\x01", 2)})
    REQUIRE(send_frame(fd, sealer.seal(log_bytes(hostile), gossip::Channel::stream)));
  shoal::node::LogsRequest req{4242, "talk", 0, 10, 0, {}};
  REQUIRE(send_frame(fd, sealer.seal(shoal::node::encode_logs_request(req), gossip::Channel::stream)));
  std::string got;
  REQUIRE(wait_until(5s, [&] {
    char b[65536];
    ssize_t n = ::recv(fd, b, sizeof b, MSG_DONTWAIT);
    if (n > 0) got.append(b, static_cast<std::size_t>(n));
    if (got.size() < 4) return false;
    std::size_t len = 0;
    for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(got[i]);
    return got.size() >= 4 + len;
  }));
  ::close(fd);
  auto plain = sealer.open(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(got.data()) + 4, got.size() - 4),
      gossip::Channel::stream);
  REQUIRE(plain);
  auto f = shoal::node::decode_logs_frame(*plain);
  REQUIRE(f.response);
  CHECK(f.response->id == 4242);  // the first (and only) answer: the hostile ones got none
  CHECK(f.response->lines.size() == 4);  // after-go too
  CHECK(dropped() >= dropped_before + 6);
  // The owner still answers, forwarded.
  auto [after, out] = c.cli({"logs", "talk/0", "--json", "--api", shoal::test::api_addr(c, other)});
  CHECK(after == 0);
  CHECK(json_lines(out).size() == 4);
}
