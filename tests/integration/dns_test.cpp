// Issue 16, the DNS interface, with `dig` (bind9-dnsutils) against 3 real peers on their own
// loopback addresses (127.0.0.11..13): every name form, code and flag, then hostile bytes.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster.hpp"
#include "net.hpp"
#include "tests/skip.hpp"

using shoal::test::kFastGossip;
using shoal::test::Cluster;
using shoal::test::free_port;
using shoal::test::wait_until;
using namespace std::chrono_literals;

namespace {

struct Dig {
  bool ok = false;  // dig printed a header
  std::string status;
  std::set<std::string> flags;
  std::multiset<std::string> answer;      // rdata of each record ("127.0.0.11")
  std::multiset<std::string> additional;  // the same, OPT left out
  std::vector<std::string> answer_names;  // owner of each answer record
  std::string raw;
};

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  std::array<char, 4096> buf{};
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), f)) out.append(buf.data(), n);
  ::pclose(f);
  return out;
}

// dig @127.0.0.1 -p PORT ARGS; each of its tries bounded to 2 s.
Dig dig(std::uint16_t port, const std::string& args) {
  Dig d;
  d.raw = run("dig @127.0.0.1 -p " + std::to_string(port) + " +norec +tries=1 +time=2 " + args +
              " 2>&1");
  std::istringstream in(d.raw);
  std::string line, section;
  while (std::getline(in, line)) {
    if (auto p = line.find("status: "); line.rfind(";; ->>HEADER<<-", 0) == 0 && p != line.npos) {
      d.ok = true;
      d.status = line.substr(p + 8, line.find(',', p) - p - 8);
    } else if (line.rfind(";; flags:", 0) == 0) {
      std::istringstream fl(line.substr(9, line.find(';', 9) - 9));
      for (std::string f; fl >> f;) d.flags.insert(f);
    } else if (line.rfind(";; ", 0) == 0 && line.find(" SECTION:") != line.npos) {
      section = line.substr(3, line.find(' ', 3) - 3);
    } else if (line.empty() || line[0] == ';') {
      if (line.empty()) section.clear();
    } else if (section == "ANSWER" || section == "ADDITIONAL") {
      std::istringstream rr(line);
      std::string owner, ttl, cls, type, rest, word;
      rr >> owner >> ttl >> cls >> type;
      while (rr >> word) rest += (rest.empty() ? "" : " ") + word;
      if (section == "ANSWER") {
        d.answer.insert(rest);
        d.answer_names.push_back(owner);
      } else if (type != "OPT") {
        d.additional.insert(rest);
      }
    }
  }
  return d;
}

using Set = std::multiset<std::string>;

// User + system CPU seconds of `pid` (read(2): the process may exit mid-read); -1 if unknown.
double cpu_seconds(pid_t pid) {
  const int fd = ::open(("/proc/" + std::to_string(pid) + "/stat").c_str(), O_RDONLY);
  if (fd < 0) return -1;
  char buf[1024];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return -1;
  const std::string text(buf, static_cast<std::size_t>(n));
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

void write_services(Cluster& c) {
  std::ofstream(c.peer(0).dir + "/services/web.toml")
      << "[service.web]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 3\n"
         "ports = { http = 8000 }\nplacement = { max_per_peer = 1 }\n";
  std::ofstream(c.peer(0).dir + "/services/big.toml")
      << "[service.big]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 30\n"
         "ports = { http = 8000 }\n";
  std::ofstream(c.peer(0).dir + "/services/idle.toml")
      << "[service.idle]\ncommand = [\"sleep\", \"1000\"]\nreplicas = 0\n"
         "ports = { http = 8000 }\n";
}

// "1 1 PORT pN.peer.shoal." for each running `svc` instance of the peers' process records.
Set srv_from_records(Cluster& c, const std::string& svc) {
  Set out;
  for (int i = 0; i < c.size(); ++i)
    for (const auto& r : c.instances(i))
      if (r.state == shoal::runtime::InstanceRecord::State::running && r.labels.service == svc &&
          !r.ports.empty())
        out.insert("1 1 " + std::to_string(r.ports[0].host) + " " + c.peer(i).name +
                   ".peer.shoal.");
  return out;
}

}  // namespace

TEST_CASE("dns: dig finds a 3-replica service on 3 peers by every name form, with every code",
          "[integration][dns]") {
  if (run("command -v dig").empty()) SHOAL_SKIP("dig is missing (bind9-dnsutils)", true);
  Cluster c(3);
  std::vector<std::uint16_t> dns;
  for (int i = 0; i < 3; ++i) {
    c.set_host(i, "127.0.0.1" + std::to_string(i + 1));
    dns.push_back(free_port());
  }
  for (int i = 0; i < 3; ++i)
    c.set_extra(i, kFastGossip + "dns = { listen = \"127.0.0.1:" + std::to_string(dns[i]) +
                       "\", ttl = \"7s\" }\n");
  REQUIRE(shoal::test::start_all_ready(c));
  write_services(c);
  const Set addrs{"127.0.0.11", "127.0.0.12", "127.0.0.13"};
  // every peer answers from its own view once the statuses have spread
  for (int i = 0; i < 3; ++i) {
    INFO("peer " << i);
    REQUIRE(wait_until(40s, [&] {
      return dig(dns[i], "web.service.shoal A").answer == addrs &&
             dig(dns[i], "+tcp _http._tcp.big.service.shoal SRV").answer.size() == 30;
    }));
  }
  const std::uint16_t p = dns[1];

  {  // A, case-insensitive, TTL, flags
    Dig a = dig(p, "WEB.Service.SHOAL A");
    CHECK(a.status == "NOERROR");
    CHECK(a.answer == addrs);
    CHECK(a.flags.count("aa"));
    CHECK(a.flags.count("qr"));
    CHECK_FALSE(a.flags.count("ra"));
    CHECK(a.raw.find("\t7\tIN\tA\t") != std::string::npos);
    CHECK(dig(p, "web.service.shoal. AAAA").answer.empty());
  }
  {  // SRV with A records as additional data, and the RFC 2782 form
    const Set want = srv_from_records(c, "web");
    REQUIRE(want.size() == 3);
    Dig s = dig(p, "_http._tcp.web.service.shoal SRV");
    CHECK(s.status == "NOERROR");
    CHECK(s.answer == want);
    CHECK(s.additional == addrs);
    CHECK(dig(p, "_web._tcp.service.shoal SRV").answer == want);
    CHECK(dig(p, "_nope._tcp.web.service.shoal SRV").status == "NXDOMAIN");
  }
  {  // INDEX.SERVICE.service and PEER.peer: the peers' advertise addresses
    std::set<std::string> seen;
    for (int i = 0; i < 3; ++i) {
      Dig one = dig(p, std::to_string(i) + ".web.service.shoal A");
      REQUIRE(one.answer.size() == 1);
      seen.insert(*one.answer.begin());
    }
    CHECK(seen == std::set<std::string>(addrs.begin(), addrs.end()));
    for (int i = 0; i < 3; ++i)
      CHECK(dig(p, "p" + std::to_string(i) + ".PEER.shoal A").answer ==
            Set{"127.0.0.1" + std::to_string(i + 1)});
  }
  {  // NXDOMAIN, NOERROR without answers, REFUSED, NOTIMP
    Dig nx = dig(p, "nope.service.shoal A");
    CHECK(nx.status == "NXDOMAIN");
    CHECK(nx.flags.count("aa"));
    CHECK(dig(p, "ghost.peer.shoal A").status == "NXDOMAIN");
    Dig idle = dig(p, "idle.service.shoal A");
    CHECK(idle.status == "NOERROR");
    CHECK(idle.answer.empty());
    Dig out = dig(p, "example.com A");
    CHECK(out.status == "REFUSED");
    CHECK(out.answer.empty());
    CHECK_FALSE(out.flags.count("ra"));
    // asking for recursion changes nothing
    CHECK(run("dig +rec @127.0.0.1 -p " + std::to_string(p) + " +tries=1 +time=2 example.com")
              .find("status: REFUSED") != std::string::npos);
    CHECK(dig(p, "+opcode=notify web.service.shoal A").status == "NOTIMP");
  }
  {  // a large answer: TC over UDP without EDNS, whole over TCP and with EDNS0
    Dig udp = dig(p, "+noedns +ignore _http._tcp.big.service.shoal SRV");
    CHECK(udp.ok);
    CHECK(udp.flags.count("tc"));
    CHECK(udp.answer.empty());
    Dig tcp = dig(p, "+tcp _http._tcp.big.service.shoal SRV");
    CHECK_FALSE(tcp.flags.count("tc"));
    CHECK(tcp.answer == srv_from_records(c, "big"));
    CHECK(tcp.additional == addrs);
    // dig's own fallback: TC, then the same question over TCP
    CHECK(dig(p, "+noedns _http._tcp.big.service.shoal SRV").answer.size() == 30);
    // 30 A records for 3 addresses dedupe to 3; 30 SRV need ~700 bytes: EDNS0 carries them
    Dig small = dig(p, "+bufsize=512 +ignore _http._tcp.big.service.shoal SRV");
    CHECK(small.flags.count("tc"));
    Dig big = dig(p, "+bufsize=1232 +ignore _http._tcp.big.service.shoal SRV");
    CHECK_FALSE(big.flags.count("tc"));
    CHECK(big.answer.size() == 30);
    CHECK(big.raw.find("udp: 1232") != std::string::npos);
  }
  {  // answers are shuffled per query
    std::set<std::string> firsts;
    REQUIRE(wait_until(10s, [&] {
      Dig a = dig(p, "+tcp _http._tcp.big.service.shoal SRV");
      std::istringstream in(a.raw);
      for (std::string line; std::getline(in, line);)
        if (line.find("\tSRV\t") != std::string::npos && line[0] != ';') {
          firsts.insert(line);
          break;
        }
      return firsts.size() >= 3;
    }));
  }
}

TEST_CASE("dns: garbage datagrams and a 1-byte TCP connection flood do not stop the answers",
          "[asan][integration][dns][hostile]") {
  if (run("command -v dig").empty()) SHOAL_SKIP("dig is missing (bind9-dnsutils)", true);
  Cluster c(1);
  const std::uint16_t port = free_port();
  c.set_host(0, "127.0.0.11");
  c.set_extra(0, kFastGossip + "dns = { listen = \"127.0.0.1:" + std::to_string(port) + "\" }\n");
  REQUIRE(shoal::test::start_all_ready(c));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // garbage datagrams: random-ish bytes of every length, and headers claiming huge counts
  const int u = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(u >= 0);
  std::uint32_t x = 12345;
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> b(static_cast<std::size_t>(i % 700));
    for (auto& v : b) v = static_cast<std::uint8_t>((x = x * 1103515245u + 12345u) >> 24);
    if (b.size() > 12 && i % 3 == 0) b[2] = 0, b[4] = b[5] = b[6] = b[7] = 0xff;
    ::sendto(u, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  ::close(u);
  // 300 TCP connections, each sending one byte of a length prefix and then nothing
  std::vector<int> held;
  for (int i = 0; i < 300; ++i) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) break;
    if (::connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
      const std::uint8_t one = 0x10;
      (void)::write(s, &one, 1);
    }
    held.push_back(s);
  }
  CHECK(held.size() == 300);
  Dig udp = dig(port, "p0.peer.shoal A");
  CHECK(udp.answer == Set{"127.0.0.11"});
  Dig tcp = dig(port, "+tcp p0.peer.shoal A");
  CHECK(tcp.answer == Set{"127.0.0.11"});
  // an oversized length prefix closes that connection, the next one is answered
  const int big = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(::connect(big, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  const std::uint8_t huge[2] = {0xff, 0xff};
  (void)::write(big, huge, 2);
  timeval two{2, 0};  // the idle deadline is 5 s: an answer within 2 s is the length check
  ::setsockopt(big, SOL_SOCKET, SO_RCVTIMEO, &two, sizeof two);
  std::uint8_t r = 0;
  CHECK(::read(big, &r, 1) == 0);  // closed at once, not waiting for 64 KiB
  ::close(big);
  for (int s : held) ::close(s);
  CHECK(dig(port, "+tcp p0.peer.shoal A").answer == Set{"127.0.0.11"});
  CHECK(c.get(0, "/v1/status").has_value());  // the agent is still there
}

TEST_CASE("dns: an explicit dns.listen that cannot be bound stops the start, the default warns",
          "[integration][dns]") {
  Cluster c(1);
  // a UDP socket on a port, held (bound once, to a port the kernel picks): an explicit
  // dns.listen there is an error (exit 1)
  const int hold = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(hold >= 0);
  sockaddr_in at = shoal::test::loopback(0);
  REQUIRE(::bind(hold, reinterpret_cast<sockaddr*>(&at), sizeof at) == 0);
  socklen_t at_len = sizeof at;
  REQUIRE(::getsockname(hold, reinterpret_cast<sockaddr*>(&at), &at_len) == 0);
  const std::uint16_t port = ntohs(at.sin_port);
  c.set_extra(0, kFastGossip + "dns = { listen = \"127.0.0.1:" + std::to_string(port) + "\" }\n");
  c.start(0);
  CHECK(c.wait_exit(0, 20s) == 1);
  CHECK(shoal::test::read_text(c.peer(0).log).find("dns: cannot bind UDP 127.0.0.1:" +
                                                   std::to_string(port)) != std::string::npos);
  // the default 127.0.0.1:7953 taken (held here when free, else by someone else): a warning
  at.sin_port = htons(7953);
  const int def = ::socket(AF_INET, SOCK_DGRAM, 0);
  (void)::bind(def, reinterpret_cast<sockaddr*>(&at), sizeof at);
  c.set_extra(0, kFastGossip);
  REQUIRE(shoal::test::start_all_ready(c));
  CHECK(shoal::test::read_text(c.peer(0).log).find("running without DNS") != std::string::npos);
  ::close(def);
  ::close(hold);
}

TEST_CASE("dns: out of file descriptors, the TCP accept loop pauses instead of spinning",
          "[integration][dns][hostile]") {
  if (run("command -v dig").empty()) SHOAL_SKIP("dig is missing (bind9-dnsutils)", true);
  Cluster c(1);
  const std::uint16_t port = free_port();
  c.set_host(0, "127.0.0.11");
  c.set_extra(0, kFastGossip + "dns = { listen = \"127.0.0.1:" + std::to_string(port) + "\" }\n");
  REQUIRE(shoal::test::start_all_ready(c));
  const pid_t pid = c.peer(0).pid;
  rlimit low{40, 40};
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &low, nullptr) == 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<int> fds;  // more than the agent has descriptors left: accept fails (EMFILE)
  for (int i = 0; i < 60; ++i) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    if (s >= 0 && ::connect(s, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
      fds.push_back(s);
    } else if (s >= 0) {
      ::close(s);
    }
  }
  std::this_thread::sleep_for(500ms);
  const double before = cpu_seconds(pid);
  std::this_thread::sleep_for(2s);  // a measurement window, not a wait for a condition
  const double used = cpu_seconds(pid) - before;
  WARN("agent CPU over 2 s with the DNS acceptor at EMFILE: " << used << " s");
  CHECK(used < 0.5);
  for (int fd : fds) ::close(fd);
  rlimit back{1024, 1024};
  ::prlimit(pid, RLIMIT_NOFILE, &back, nullptr);
  CHECK(wait_until(10s, [&] { return dig(port, "+tcp p0.peer.shoal A").answer.size() == 1; }));
}
