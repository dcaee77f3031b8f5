#include "cluster.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "node/http.hpp"
#include "node/runtime/cgroup.hpp"
#include "node/runtime/cgroup_setup.hpp"
#include "node/runtime/orphan_watchdog.hpp"
#include "node/runtime/proc.hpp"
#include "node/sealer.hpp"
#include "agent_binary.hpp"

extern char** environ;

namespace shoal::test {

void small_asan_quarantine() {
  const char* old = std::getenv("ASAN_OPTIONS");
  std::string opts = old != nullptr ? old : "";
  if (opts.find("quarantine_size_mb") != std::string::npos) return;
  opts += std::string(opts.empty() ? "" : ":") +
          "quarantine_size_mb=1:thread_local_quarantine_size_kb=64";
  ::setenv("ASAN_OPTIONS", opts.c_str(), 1);
}

bool wait_until(std::chrono::milliseconds limit, const std::function<bool()>& cond) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

namespace {
std::vector<Cluster*>& live_clusters() {
  static std::vector<Cluster*> all;
  return all;
}
}  // namespace

const std::vector<Cluster*>& Cluster::live() { return live_clusters(); }

void Cluster::diagnose(std::ostream& out) {
  for (int i = 0; i < size(); ++i) {
    const PeerProc& p = peers_[i];
    const bool running = p.pid > 0 && ::kill(p.pid, 0) == 0;
    out << "--- peer " << i << " (" << p.name << ", pid " << p.pid
        << (running ? ", running" : ", not running") << ", log " << p.log << ")\n";
    std::string text = read_text(p.log);
    std::size_t from = text.size(), lines = 0;
    while (from > 0 && lines < 30) {
      from = text.rfind('\n', from - 1);
      if (from == std::string::npos) {
        from = 0;
        break;
      }
      ++lines;
    }
    out << text.substr(from) << "\n";
    if (running) {
      auto ps = get(i, "/v1/ps");
      out << "ps: " << (ps ? ps->dump() : std::string("(no answer)")) << "\n";
    }
  }
}

Cluster::Cluster(int n, std::string extra) {
  live_clusters().push_back(this);
  char tmpl[] = "/tmp/shoal-it-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = tmpl;
  // One cluster key for every peer, as an operator would copy it (gossip is always sealed).
  if (sodium_init() < 0) throw std::runtime_error("sodium_init failed");
  keyring_ = root_ + "/keyring";
  std::ofstream(keyring_) << node::new_key_base64() << "\n";
  ::chmod(keyring_.c_str(), 0600);
  for (int i = 0; i < n; ++i) {
    PeerProc p;
    p.name = "p" + std::to_string(i);
    p.gossip_port = free_port();
    p.api_port = free_port();
    p.dir = root_ + "/" + p.name;
    std::filesystem::create_directories(p.dir + "/services");
    p.config = p.dir + "/peer.toml";
    p.log = p.dir + "/agent.log";
    std::filesystem::copy_file(keyring_, p.dir + "/keyring");  // each host its own copy
    ::chmod((p.dir + "/keyring").c_str(), 0600);
    peers_.push_back(p);
  }
  for (int i = 0; i < n; ++i) set_extra(i, extra);
}

void Cluster::set_extra(int i, const std::string& extra) {
  {
    PeerProc& p = peers_[i];
    std::ofstream f(p.config);
    f << "name = \"" << p.name << "\"\n"
      << "bind = \"" << p.host << ":" << p.gossip_port << "\"\n"
      << "join = [\"" << peers_[0].host << ":" << peers_[0].gossip_port << "\"]\n"
      << "data_dir = \"" << p.dir << "/data\"\n"
      << "services_dir = \"" << p.dir << "/services\"\n"
      << "api = { listen = \"127.0.0.1:" << p.api_port << "\" }\n"
      << extra;
    if (extra.find("security") == std::string::npos) {
      f << "security = { keyring = \"" << keyring_of(i) << "\" }\n";
    }
  }
}

Cluster::~Cluster() {
  auto& all = live_clusters();
  all.erase(std::remove(all.begin(), all.end(), this), all.end());
  for (auto& p : peers_) {
    if (p.pid > 0) {
      ::kill(p.pid, SIGKILL);
      ::waitpid(p.pid, nullptr, 0);
      p.pid = -1;
    }
  }
  for (int i = 0; i < size(); ++i) kill_instances(i);
  // The peers' instance cgroups (node/runtime/cgroup_setup.hpp), once their processes are gone.
  for (const auto& p : peers_) {
    for (const std::string& dir : runtime::peer_cgroup_dirs(p.dir + "/data")) {
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.is_directory(ec)) runtime::cgroup_remove(e.path().c_str());
      runtime::remove_empty_cgroups(dir, true);
    }
  }
  if (std::getenv("SHOAL_KEEP_TEST_DIR") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
}

void Cluster::start(int i, const std::vector<std::string>& flags) {
  PeerProc& p = peers_[i];
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, p.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<std::string> args{shoal_bin(), "agent", "--config", p.config, "--log-level", "debug"};
  args.insert(args.end(), flags.begin(), flags.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, shoal_bin(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("posix_spawn failed");
  p.pid = pid;
}

bool instance_alive(const runtime::InstanceRecord& r) {
  // The product's reader: a process that exits mid-read is "gone", never an exception.
  return r.pid > 0 && r.start_time != 0 &&
         runtime::process_matches(static_cast<pid_t>(r.pid), r.start_time);
}

std::vector<runtime::InstanceRecord> Cluster::instances(int i) {
  std::vector<runtime::InstanceRecord> out;
  std::error_code ec;
  const std::string dir = peers_[i].dir + "/data/instances";
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".inst") continue;
    auto r = runtime::read_record(e.path().string());
    if (r.ok()) out.push_back(r.value());
  }
  return out;
}

void Cluster::kill_instances(int i) {
  // The docker driver's orphan watchdog (it outlives its peer): a host death takes it too.
  if (auto w = runtime::watchdog_holder(peers_[i].dir + "/data")) ::kill(w->pid, SIGKILL);
  for (const auto& r : instances(i)) {
    if (r.supervisor_pid > 0 && r.supervisor_start != 0 &&
        runtime::process_exists(static_cast<pid_t>(r.supervisor_pid), r.supervisor_start)) {
      ::kill(static_cast<pid_t>(r.supervisor_pid), SIGKILL);
    }
    if (r.pgid > 0 && r.pid > 0 && r.start_time != 0 &&
        runtime::process_exists(static_cast<pid_t>(r.pid), r.start_time)) {
      ::kill(-static_cast<pid_t>(r.pgid), SIGKILL);
    }
  }
  // And what left their process groups: the instances' cgroups (node/runtime/cgroup.hpp).
  if (const std::string base = runtime::find_cgroup_base().dir; !base.empty()) {
    const std::string dir = runtime::peer_cgroup_dir(base, peers_[i].dir + "/data");
    std::vector<char> buf(64 * 1024);
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      const std::string g = e.path().string();
      runtime::cgroup_signal((g + "/cgroup.procs").c_str(), (g + "/cgroup.kill").c_str(), SIGKILL,
                             buf.data(), buf.size());
    }
  }
}

void Cluster::kill9(int i) {
  PeerProc& p = peers_[i];
  if (p.pid <= 0) return;
  ::kill(p.pid, SIGKILL);
  ::waitpid(p.pid, nullptr, 0);
  p.pid = -1;
}

int Cluster::wait_exit(int i, std::chrono::milliseconds limit) {
  PeerProc& p = peers_[i];
  if (p.pid <= 0) return -1;
  int status = 0;
  if (!wait_until(limit, [&] { return ::waitpid(p.pid, &status, WNOHANG) == p.pid; })) return -1;
  p.pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int Cluster::terminate(int i) {
  PeerProc& p = peers_[i];
  if (p.pid <= 0) return -1;
  ::kill(p.pid, SIGTERM);
  int status = 0;
  bool done = wait_until(std::chrono::seconds(45), [&] {
    return ::waitpid(p.pid, &status, WNOHANG) == p.pid;
  });
  if (!done) {
    kill9(i);
    return -1;
  }
  p.pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::optional<nlohmann::json> Cluster::get(int i, const std::string& path) {
  auto r = node::http_call("127.0.0.1", peers_[i].api_port, "GET", path, "", "", 2000);
  if (!r.ok || r.status != 200) return std::nullopt;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::pair<int, std::string> Cluster::cli(const std::vector<std::string>& args) {
  std::string cmd = std::string("'") + shoal_bin() + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>/dev/null";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return {-1, ""};
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  int status = ::pclose(f);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string Cluster::state_seen(int i, const std::string& who) {
  auto j = get(i, "/v1/members");
  if (!j || !j->is_array()) return "";
  for (const auto& m : *j) {
    if (m.value("name", "") == who) return m.value("state", "");
  }
  return "";
}

void Cluster::set_name(int i, const std::string& name) { peers_[i].name = name; }
void Cluster::set_host(int i, const std::string& host) { peers_[i].host = host; }

// ---- Helpers for the peer's end-to-end tests (issue 6). ----

bool all_running(Cluster& c, int i, const std::string& svc, int n,
                 const std::set<std::string>& allowed) {
  auto j = c.get(i, "/v1/ps");
  if (!j || !j->is_array()) return false;
  int count = 0;
  for (const auto& e : *j) {
    if (e.value("service", "") != svc) continue;
    ++count;
    if (e.value("state", "") != "running") return false;
    if (!e["peer"].is_string() || allowed.count(e["peer"].get<std::string>()) == 0) return false;
  }
  return count == n;
}

std::string keygen(Cluster& c) {
  auto [code, out] = c.cli({"keygen"});
  if (code != 0) throw std::runtime_error("shoal keygen failed: " + out);
  return out.substr(0, out.find('\n'));
}

std::string api_addr(Cluster& c, int i) {
  return "127.0.0.1:" + std::to_string(c.peer(i).api_port);
}

nlohmann::json ps_json(Cluster& c, int i) {
  auto [code, out] = c.cli({"ps", "--json", "--api", api_addr(c, i)});
  if (code != 0) return nlohmann::json();
  auto j = nlohmann::json::parse(out, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

std::optional<std::map<std::pair<std::string, int>, std::string>> running_map(
    const nlohmann::json& ps, const std::string& svc) {
  if (!ps.is_array()) return std::nullopt;
  std::map<std::pair<std::string, int>, std::string> out;
  for (const auto& e : ps) {
    const std::string s = e.value("service", "");
    if (!svc.empty() && s != svc) continue;
    if (e.value("state", "") != "running" || !e["peer"].is_string() || !e["index"].is_number()) {
      return std::nullopt;
    }
    out[{s, e["index"].get<int>()}] = e["peer"].get<std::string>();
  }
  return out;
}

std::multiset<std::string> live_spec_hashes(Cluster& c, const std::vector<int>& peers,
                                            const std::string& svc) {
  std::multiset<std::string> out;
  for (int i : peers)
    for (const auto& r : c.instances(i))
      if (r.labels.service == svc && instance_alive(r)) out.insert(r.labels.spec_hash);
  return out;
}

std::map<int, std::vector<std::string>> live_owners(Cluster& c, const std::vector<int>& peers,
                                                      const std::string& svc) {
  std::map<int, std::vector<std::string>> out;
  for (int i : peers) {
    for (const auto& r : c.instances(i)) {
      if (r.labels.service == svc && instance_alive(r)) out[r.labels.index].push_back(r.labels.peer);
    }
  }
  return out;
}

bool see_all_alive(Cluster& c, const std::vector<int>& who, const std::vector<int>& whom) {
  for (int i : who) {
    auto j = c.get(i, "/v1/members");
    if (!j || !j->is_array()) return false;
    for (int k : whom) {
      bool alive = false;
      for (const auto& m : *j) {
        alive |= m.value("name", "") == c.peer(k).name && m.value("state", "") == "alive";
      }
      if (!alive) return false;
    }
  }
  return true;
}

bool all_ready(Cluster& c, const std::vector<int>& who, int n) {
  for (int i : who) {
    auto s = c.get(i, "/v1/status");
    if (!s || !(*s)["ready"].is_number() || (*s)["ready"].get<int>() != n) return false;
  }
  return true;
}

std::vector<int> peers_upto(int n) {
  std::vector<int> v;
  for (int i = 0; i < n; ++i) v.push_back(i);
  return v;
}

void signal_peer(Cluster& c, int i, int sig) {
  if (c.peer(i).pid > 0) ::kill(c.peer(i).pid, sig);
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

bool start_all_ready(Cluster& c) {
  using namespace std::chrono_literals;
  c.start(0);
  if (!wait_until(10s, [&] { return c.get(0, "/v1/status").has_value(); })) return false;
  for (int i = 1; i < c.size(); ++i) c.start(i);
  const auto all = peers_upto(c.size());
  return wait_until(30s, [&] { return see_all_alive(c, all, all) && all_ready(c, all, c.size()); });
}

std::optional<std::map<int, std::string>> agreed_running(Cluster& c, const std::vector<int>& who,
                                                         const std::string& svc, int n,
                                                         const std::vector<int>& on) {
  std::set<std::string> allowed;
  for (int k : on) allowed.insert(c.peer(k).name);
  std::optional<std::map<int, std::string>> first;
  for (int i : who) {
    auto m = running_map(ps_json(c, i), svc);
    if (!m || static_cast<int>(m->size()) != n) return std::nullopt;
    std::map<int, std::string> by_index;
    for (const auto& [key, peer] : *m) {
      if (!allowed.empty() && allowed.count(peer) == 0) return std::nullopt;
      by_index[key.second] = peer;
    }
    if (!first) {
      first = by_index;
    } else if (*first != by_index) {
      return std::nullopt;
    }
  }
  return first;
}

bool once_each(const std::map<int, std::vector<std::string>>& live, int n) {
  if (static_cast<int>(live.size()) != n) return false;
  for (int k = 0; k < n; ++k) {
    auto it = live.find(k);
    if (it == live.end() || it->second.size() != 1) return false;
  }
  return true;
}

void set_join(Cluster& c, int i, const std::vector<int>& join, const std::string& extra) {
  const PeerProc& p = c.peer(i);
  std::string seeds;
  for (int k : join) {
    seeds += (seeds.empty() ? "\"" : ", \"") + c.peer(k).host + ":" +
             std::to_string(c.peer(k).gossip_port) + "\"";
  }
  std::ofstream f(p.config);
  f << "name = \"" << p.name << "\"\n"
    << "bind = \"" << p.host << ":" << p.gossip_port << "\"\n"
    << "join = [" << seeds << "]\n"
    << "data_dir = \"" << p.dir << "/data\"\n"
    << "services_dir = \"" << p.dir << "/services\"\n"
    << "api = { listen = \"127.0.0.1:" << p.api_port << "\" }\n"
    << extra;
  if (extra.find("security") == std::string::npos) {
    f << "security = { keyring = \"" << c.keyring_of(i) << "\" }\n";
  }
}

}  // namespace shoal::test
