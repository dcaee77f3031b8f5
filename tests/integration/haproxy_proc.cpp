#include "haproxy_proc.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace shoal::test {
namespace {

std::string example_path() { return SHOAL_EXAMPLES_DIR "/haproxy/haproxy.cfg"; }

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos)
    throw std::runtime_error(example_path() + ": no `" + from + "` left to replace");
  text.replace(at, from.size(), to);
}

}  // namespace

std::string haproxy_binary() {
  for (const char* p : {"/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

std::string example_text(const std::string& name) {
  std::ifstream in(SHOAL_EXAMPLES_DIR "/haproxy/" + name);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::string render_example(const std::vector<std::string>& nameservers, const std::string& bind,
                           const std::string& socket) {
  std::string text = example_text("haproxy.cfg");
  std::string lines;
  for (std::size_t i = 0; i < nameservers.size(); ++i)
    lines += std::string(i == 0 ? "" : "\n    ") + "nameserver shoal" + std::to_string(i + 1) +
             " " + nameservers[i];
  replace_once(text, "nameserver shoal1 127.0.0.1:7953", lines);
  replace_once(text, "bind 127.0.0.1:8080", "bind " + bind);
  replace_once(text, "stats socket /tmp/haproxy-shoal.sock", "stats socket " + socket);
  return text;
}

Haproxy::Haproxy(const std::string& dir, std::uint16_t port,
                 const std::vector<std::string>& nameservers)
    : config_(dir + "/haproxy.cfg"), log_(dir + "/haproxy.log"), socket_(dir + "/haproxy.sock"),
      port_(port) {
  std::ofstream(config_) << render_example(nameservers, "127.0.0.1:" + std::to_string(port),
                                           socket_);
}

Haproxy::~Haproxy() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void Haproxy::start() {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::string bin = haproxy_binary();
  // -db: foreground, no daemon (its PID is the one to kill)
  std::vector<std::string> args{bin, "-db", "-f", config_};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int rc = posix_spawn(&pid_, bin.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("posix_spawn haproxy: " + std::string(std::strerror(rc)));
}

bool Haproxy::running() {
  if (pid_ <= 0) return false;
  if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

std::string Haproxy::command(const std::string& cmd) {
  std::string text;
  const int s = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return text;
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, socket_.c_str(), sizeof a.sun_path - 1);
  timeval two{2, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &two, sizeof two);
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    const std::string line = cmd + "\n";
    if (::write(s, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
      char buf[8192];
      for (ssize_t n; text.size() < (1u << 20) && (n = ::read(s, buf, sizeof buf)) > 0;)
        text.append(buf, n);
    }
  }
  ::close(s);
  return text;
}

long Haproxy::stat(const std::string& proxy, const std::string& row, const std::string& column) {
  std::istringstream in(command("show stat"));
  std::string line;
  if (!std::getline(in, line) || line.rfind("# ", 0) != 0) return -1;
  auto split = [](const std::string& l) {
    std::vector<std::string> out;
    std::string cell;
    std::istringstream cells(l);
    while (std::getline(cells, cell, ',')) out.push_back(cell);
    return out;
  };
  const auto header = split(line.substr(2));
  const auto col = std::find(header.begin(), header.end(), column) - header.begin();
  while (std::getline(in, line)) {
    const auto cells = split(line);
    if (cells.size() > static_cast<std::size_t>(col) && cells[0] == proxy && cells[1] == row)
      return std::strtol(cells[col].c_str(), nullptr, 10);
  }
  return -1;
}

std::vector<HaServer> Haproxy::servers(const std::string& backend) {
  std::vector<HaServer> out;
  const std::string text = command("show servers state " + backend);
  // "1" (format version), "# be_id be_name srv_id srv_name srv_addr srv_op_state
  // srv_admin_state ...", then one line per server
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line == "1") continue;
    std::istringstream f(line);
    std::string be_id, be_name, srv_id;
    HaServer sv;
    if (f >> be_id >> be_name >> srv_id >> sv.name >> sv.address >> sv.op_state >> sv.admin_state)
      out.push_back(sv);
  }
  return out;
}

}  // namespace shoal::test
