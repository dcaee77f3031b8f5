// Small faults of the agent's own host (issue 14 item 7), through the real binary: the reader
// of its stderr goes away (SIGPIPE), services_dir written with a trailing slash.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>
#include <vector>
#include <fstream>

#include "agent_binary.hpp"
#include "cluster.hpp"

extern char** environ;

using shoal::test::Cluster;
using shoal::test::read_text;
using shoal::test::wait_until;
using namespace std::chrono_literals;

TEST_CASE("agent: stderr to a pipe whose reader closed, services_dir with a trailing slash",
          "[integration][lifecycle]") {
  Cluster c(1);
  auto [kc, key] = c.cli({"keygen"});
  REQUIRE(kc == 0);
  const std::string keyring = c.root() + "/keyring";
  std::ofstream(keyring) << key.substr(0, key.find('\n')) << "\n";
  c.set_extra(0, "gossip = { profile = \"fast\", join_grace = \"1s\" }\n"
                 "security = { keyring = \"" + keyring + "\" }\n");
  // services_dir = ".../services/" (a trailing slash, as operators write folders).
  std::string conf = read_text(c.peer(0).config);
  const std::string dir_line = "services_dir = \"" + c.peer(0).dir + "/services\"";
  REQUIRE(conf.find(dir_line) != std::string::npos);
  conf.replace(conf.find(dir_line), dir_line.size(),
               "services_dir = \"" + c.peer(0).dir + "/services/\"");
  std::ofstream(c.peer(0).config, std::ios::trunc) << conf;

  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  std::vector<std::string> args{shoal_bin(), "agent", "--config", c.peer(0).config,
                                "--log-level", "debug"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  REQUIRE(posix_spawn(&pid, shoal_bin(), &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  c.peer(0).pid = pid;  // the fixture kills it by PID
  ::close(fds[1]);
  ::close(fds[0]);  // the reader goes away: every log line now meets a closed pipe

  REQUIRE(wait_until(15s, [&] { return c.get(0, "/v1/status").has_value(); }));
  const std::string api = "127.0.0.1:" + std::to_string(c.peer(0).api_port);
  const std::string src = c.root() + "/web.toml";
  std::ofstream(src) << "[service.web]\ncommand = [\"sleep\", \"1000\"]\n";
  CHECK(c.cli({"apply", src, "--api", api}).first == 0);
  // Re-applying the same file is an update, not a conflict with itself (was 409).
  std::ofstream(src, std::ios::trunc) << "[service.web]\ncommand = [\"sleep\", \"1001\"]\n";
  CHECK(c.cli({"apply", src, "--api", api}).first == 0);
  ::kill(pid, SIGHUP);  // one more log line
  std::this_thread::sleep_for(1500ms);  // a housekeeping round of log lines
  int status = 0;
  CHECK(::waitpid(pid, &status, WNOHANG) == 0);  // still running
  auto st = c.get(0, "/v1/status");
  REQUIRE(st);
  CHECK((*st)["local_services"] == nlohmann::json::array({"web"}));
  CHECK((*st)["errors"].empty());
}
