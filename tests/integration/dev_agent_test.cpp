// `shoal agent --dev`: started as a user would, it prints its folders; a service file dropped
// into the printed services_dir runs, seen through `shoal ps --json`. The Cluster fixture gives
// the ports and the temporary root (TMPDIR, so mkdtemp lands inside it) and kills by PID.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "agent_binary.hpp"
#include "tests/integration/cluster.hpp"

extern char** environ;

using namespace shoal::test;
using namespace std::chrono_literals;

namespace {

// The value after `key` on its line of the printed banner ("" until it is there).
std::string banner_value(const std::string& text, const std::string& key) {
  const auto at = text.find(key);
  if (at == std::string::npos) return "";
  const auto from = text.find_first_not_of(' ', at + key.size());
  const auto end = text.find_first_of(" \n", from);
  return end == std::string::npos ? "" : text.substr(from, end - from);
}

// An abstract unix datagram socket standing in for systemd's NOTIFY_SOCKET.
struct NotifyListener {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  std::string name = "@shoal-it-notify-" + std::to_string(::getpid());
  NotifyListener() {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path + 1, name.data() + 1, name.size() - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a),
                   static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size())) == 0);
  }
  ~NotifyListener() { ::close(fd); }
  std::string take() const {
    char buf[128];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    return n < 0 ? "" : std::string(buf, static_cast<std::size_t>(n));
  }
};

}  // namespace

TEST_CASE("agent --dev: prints its folders, tells systemd it is ready, runs a dropped service file",
          "[dev]") {
  Cluster c(1);  // ports and a temporary root; the dev peer writes its own peer file
  const std::string gossip = "127.0.0.1:" + std::to_string(c.peer(0).gossip_port);
  const std::string api = "127.0.0.1:" + std::to_string(c.peer(0).api_port);
  const std::string out_path = c.root() + "/dev.out";
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, c.peer(0).log.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<std::string> args{shoal_bin(), "agent", "--dev", "--bind", gossip, "--api-listen", api};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  NotifyListener notify;  // as systemd runs it (Type=notify): READY=1 once joined
  std::vector<std::string> env{"TMPDIR=" + c.root(), "NOTIFY_SOCKET=" + notify.name};
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string v(*e);
    if (v.rfind("TMPDIR=", 0) != 0 && v.rfind("NOTIFY_SOCKET=", 0) != 0) env.push_back(v);
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  REQUIRE(posix_spawn(&pid, shoal_bin(), &fa, nullptr, argv.data(), envp.data()) == 0);
  posix_spawn_file_actions_destroy(&fa);
  c.peer(0).pid = pid;  // the fixture kills it by PID

  std::string services, data;
  REQUIRE(wait_until(10s, [&] {
    const std::string text = read_text(out_path);
    services = banner_value(text, "services_dir:");
    data = banner_value(text, "data_dir:");
    return !services.empty() && !data.empty();
  }));
  CHECK(services.rfind(c.root() + "/shoal-dev-", 0) == 0);  // made by mkdtemp under TMPDIR
  REQUIRE(wait_until(15s, [&] { return c.get(0, "/v1/status").has_value(); }));
  std::string said;
  CHECK(wait_until(5s, [&] { return !(said = notify.take()).empty(); }));  // alone: joined at once
  CHECK(said == "READY=1");
  // Its own fresh key: gossip is sealed, and nothing was asked of the user for it.
  struct stat st {};
  REQUIRE(::stat((data + "/keyring").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  std::ofstream(services + "/hello.toml") << "[service.hello]\ncommand = [\"sleep\", \"60\"]\n";
  nlohmann::json ps;
  CHECK(wait_until(15s, [&] {
    auto [code, out] = c.cli({"ps", "--json", "--api", api});
    ps = nlohmann::json::parse(out, nullptr, false);
    return code == 0 && ps.is_array() && ps.size() == 1 &&
           ps[0].value("state", "") == "running";
  }));
  INFO(ps.dump() << "\n" << read_text(c.peer(0).log));
  REQUIRE(ps.size() == 1);
  CHECK(ps[0]["service"] == "hello");
  // Ctrl-C / SIGTERM: the lone peer stops its instance and exits 0, naming its folder.
  CHECK(c.terminate(0) == 0);
  CHECK(read_text(out_path).find("its files stay in " + c.root() + "/shoal-dev-") !=
        std::string::npos);
}

TEST_CASE("agent: --config or --dev, and the dev-only flags only with --dev", "[dev]") {
  Cluster c(1);
  CHECK(c.cli({"agent"}).first == 2);
  CHECK(c.cli({"agent", "--dev", "--config", c.peer(0).config}).first == 2);
  CHECK(c.cli({"agent", "--config", c.peer(0).config, "--bind", "127.0.0.1:1"}).first == 2);
  CHECK(c.cli({"agent", "--dev", "--bind", "nope"}).first == 2);
}
