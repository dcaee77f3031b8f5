// The API has owners (issue 13): attacks on a real agent with raw HTTP bytes on a TCP socket,
// as a web page, a local user or a workload would send them, and the unix socket that the
// host's root and the socket's group use instead.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent_binary.hpp"
#include "cluster.hpp"
#include "net.hpp"
#include "node/http.hpp"

using shoal::test::Cluster;
using shoal::test::wait_until;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Sends `bytes` to 127.0.0.1:port and returns the HTTP status of the answer (0: none).
int raw_http(std::uint16_t port, const std::string& bytes, std::string* reply = nullptr) {
  const int fd = shoal::test::tcp_connect(port);
  REQUIRE(fd >= 0);
  REQUIRE(shoal::test::send_all(fd, bytes));
  const std::string in = shoal::test::recv_all(fd);
  ::close(fd);
  if (reply != nullptr) *reply = in;
  if (in.rfind("HTTP/1.1 ", 0) != 0 || in.size() < 12) return 0;
  return std::stoi(in.substr(9, 3));
}

std::string request(const std::string& method, const std::string& target,
                    const std::string& headers, const std::string& body) {
  return method + " " + target + " HTTP/1.1\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

const std::string kApplyBody =
    R"({"file":"pwn.toml","content":"[service.pwn]\ncommand = [\"sleep\", \"1000\"]\n"})";

std::string keyring_line(Cluster& c) {
  auto [code, out] = c.cli({"keygen"});
  REQUIRE(code == 0);
  const std::string ring = c.root() + "/keyring";
  std::ofstream(ring) << out;
  fs::permissions(ring, fs::perms(0600));
  return "security = { keyring = \"" + ring + "\" }\n";
}

// Peer 0's file in full, with `api` as its api table's contents.
void write_peer(Cluster& c, const std::string& api, const std::string& extra) {
  const auto& p = c.peer(0);
  std::ofstream(p.config) << "name = \"p0\"\nbind = \"127.0.0.1:" << p.gossip_port << "\"\n"
                          << "data_dir = \"" << p.dir << "/data\"\n"
                          << "services_dir = \"" << p.dir << "/services\"\n"
                          << "api = { listen = \"127.0.0.1:" << p.api_port << "\"" << api
                          << " }\n"
                          << extra;
}

bool services_dir_empty(Cluster& c) { return fs::is_empty(c.peer(0).dir + "/services"); }

std::string log_of(Cluster& c) {
  std::ifstream f(c.peer(0).log);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("no token: a web page, a local process and a rebinding page change nothing over TCP",
          "[asan][integration][security][api]") {
  Cluster c(1);
  write_peer(c, "", keyring_line(c));
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  const auto port = c.peer(0).api_port;
  const std::string host = "Host: 127.0.0.1:" + std::to_string(port) + "\r\n";

  // A page's "simple" cross-origin POST: text/plain with its Origin (no preflight in browsers).
  std::string reply;
  CHECK(raw_http(port, request("POST", "/v1/apply",
                               host + "Origin: https://evil.example\r\n"
                                      "Content-Type: text/plain;charset=UTF-8\r\n",
                               kApplyBody),
                 &reply) == 403);
  CHECK(reply.find("Origin") != std::string::npos);
  // The same without Origin but not JSON, then well-formed JSON from a local process: refused,
  // loopback is no authority; the refusal names the socket and api.token_file.
  CHECK(raw_http(port, request("POST", "/v1/apply", host + "Content-Type: text/plain\r\n",
                               kApplyBody)) == 415);
  CHECK(raw_http(port, request("POST", "/v1/apply", host + "Content-Type: application/json\r\n",
                               kApplyBody),
                 &reply) == 403);
  CHECK(reply.find(c.peer(0).dir + "/data/api.sock") != std::string::npos);
  CHECK(reply.find("api.token_file") != std::string::npos);
  CHECK(raw_http(port, request("DELETE", "/v1/services/web",
                               host + "Content-Type: application/json\r\n", "")) == 403);
  // DNS rebinding: the page's own name in Host, for a read as for a write.
  CHECK(raw_http(port, request("GET", "/v1/status", "Host: evil.example:" +
                                                        std::to_string(port) + "\r\n", "")) == 421);
  CHECK(raw_http(port, request("POST", "/v1/apply",
                               "Host: evil.example\r\nContent-Type: application/json\r\n",
                               kApplyBody)) == 421);
  CHECK(raw_http(port, request("GET", "/v1/status", "", "")) == 421);  // no Host at all
  CHECK(services_dir_empty(c));
  // Reads stay open over TCP.
  CHECK(raw_http(port, request("GET", "/v1/members", host, "")) == 200);

  // The socket: 0660, owned by the agent's user; root's CLI applies over it, also when aimed at
  // the loopback TCP address (it asks the peer for its socket).
  auto st = c.get(0, "/v1/status");
  REQUIRE(st);
  const std::string sock = (*st)["api_socket"];
  CHECK(sock == c.peer(0).dir + "/data/api.sock");
  struct stat ss;
  REQUIRE(::stat(sock.c_str(), &ss) == 0);
  CHECK(S_ISSOCK(ss.st_mode));
  CHECK((ss.st_mode & 07777) == 0660);
  CHECK(ss.st_uid == ::geteuid());
  const std::string file = c.root() + "/web.toml";
  std::ofstream(file) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\n";
  auto [code, out] = c.cli({"apply", file, "--api", "127.0.0.1:" + std::to_string(port)});
  CHECK(code == 0);
  CHECK(fs::exists(c.peer(0).dir + "/services/web.toml"));
  CHECK(c.cli({"delete", "web", "--api", "unix:" + sock}).first == 0);
  CHECK(c.cli({"status", "--api", "unix:" + sock}).first == 0);

  // SIGTERM: the socket goes with the peer.
  CHECK(c.terminate(0) == 0);
  CHECK_FALSE(fs::exists(sock));
}

TEST_CASE("a local user who may not open the socket cannot change anything",
          "[asan][integration][security][api]") {
  if (::geteuid() != 0 || ::access("/usr/bin/setpriv", X_OK) != 0) {
    WARN("needs root and setpriv: skipped");
    return;
  }
  Cluster c(1);
  // The socket in a folder everyone may search, so only its own mode (0660) keeps others out.
  const std::string open_dir = c.root() + "-sock";
  fs::create_directories(open_dir);
  fs::permissions(open_dir, fs::perms(0755));
  const std::string sock = open_dir + "/api.sock";
  write_peer(c, ", socket = \"" + sock + "\"", keyring_line(c));
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  const std::string file = open_dir + "/web.toml";
  std::ofstream(file) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\n";
  fs::permissions(file, fs::perms(0644));
  auto as_nobody = [&](const std::string& api) {
    const std::string cmd = "setpriv --reuid=nobody --regid=nogroup --clear-groups '" +
                            std::string(shoal_bin()) + "' apply '" + file + "' --api '" + api +
                            "' >/dev/null 2>&1";
    int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  CHECK(as_nobody("unix:" + sock) == 1);  // connect refused by the socket's mode
  CHECK(as_nobody("127.0.0.1:" + std::to_string(c.peer(0).api_port)) == 1);  // TCP: no token
  CHECK(services_dir_empty(c));
  auto [code, out] = c.cli({"apply", file, "--api", "unix:" + sock});  // root may
  CHECK(code == 0);
  c.kill9(0);
  fs::remove_all(open_dir);
}

TEST_CASE("with a token: the right one only over TCP, reloaded on SIGHUP, a stale socket is "
          "replaced", "[asan][integration][security][api]") {
  Cluster c(1);
  const std::string token = c.root() + "/token";
  std::ofstream(token) << "0123456789abcdef\n";
  fs::permissions(token, fs::perms(0600));
  write_peer(c, ", token_file = \"" + token + "\"", keyring_line(c));
  // A socket file left by a killed peer: replaced at start.
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));
  c.kill9(0);
  const std::string sock = c.peer(0).dir + "/data/api.sock";
  REQUIRE(fs::exists(sock));
  c.start(0);
  REQUIRE(wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); }));

  const auto port = c.peer(0).api_port;
  const std::string head = "Host: 127.0.0.1\r\nContent-Type: application/json\r\n";
  auto apply_with = [&](const std::string& auth) {
    return raw_http(port, request("POST", "/v1/apply", head + auth, kApplyBody));
  };
  CHECK(apply_with("") == 403);
  CHECK(apply_with("Authorization: Bearer 0123456789abcdeX\r\n") == 403);  // right length
  CHECK(apply_with("Authorization: Bearer 0123456789abcde\r\n") == 403);
  CHECK(apply_with("Authorization: Basic 0123456789abcdef\r\n") == 403);
  CHECK(apply_with("Origin: http://127.0.0.1\r\nAuthorization: Bearer 0123456789abcdef\r\n") ==
        403);
  CHECK(services_dir_empty(c));
  CHECK(apply_with("Authorization: Bearer 0123456789abcdef\r\n") == 200);

  // The CLI with --token-file, then a new token after SIGHUP: the old one is refused.
  const std::string file = c.root() + "/web.toml";
  std::ofstream(file) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\n";
  const std::string api = "127.0.0.1:" + std::to_string(port);
  CHECK(c.cli({"apply", file, "--api", api, "--token-file", token}).first == 0);
  std::ofstream(token) << "fedcba9876543210\n";
  ::kill(c.peer(0).pid, SIGHUP);
  REQUIRE(wait_until(5s, [&] {
    return log_of(c).find("SIGHUP: api token reloaded from " + token) != std::string::npos;
  }));
  CHECK(apply_with("Authorization: Bearer 0123456789abcdef\r\n") == 403);
  CHECK(apply_with("Authorization: Bearer fedcba9876543210\r\n") == 200);
}
