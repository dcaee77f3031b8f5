#include "node/runtime/process_driver.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "node/runtime/cgroup.hpp"
#include "node/runtime/cgroup_instance.hpp"
#include "node/runtime/health.hpp"
#include "node/runtime/mono_clock.hpp"
#include "node/runtime/mounts.hpp"
#include "node/runtime/ports.hpp"
#include "node/runtime/proc.hpp"
#include "node/runtime/supervisor.hpp"

namespace shoal::runtime {
namespace {

constexpr const char* kRecordSuffix = ".inst";
constexpr int kReadyTimeoutMs = 10000;

Status mkdir_p(const std::string& path) {
  std::string cur;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    cur = path.substr(0, j);
    i = j + 1;
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST)
      return Error{"mkdir " + cur + ": " + std::strerror(errno)};
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Error{path + ": not a directory"};
  return {};
}

std::string stage_text(std::int32_t stage) {
  switch (stage) {
    case ReadyMessage::kExec: return "exec";
    case ReadyMessage::kChdir: return "chdir";
    case ReadyMessage::kRecord: return "write instance record";
    case ReadyMessage::kCgroup: return "join its limited cgroup, for";
    default: return "supervisor setup";
  }
}

// The environment of a running process: /proc/<pid>/environ, "K=V" entries split at NULs.
Result<std::map<std::string, std::string>> read_environ(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/environ";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{path + ": " + std::strerror(errno)};
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      data.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(fd);
  std::map<std::string, std::string> env;
  std::size_t i = 0;
  while (i < data.size()) {
    std::size_t end = data.find('\0', i);
    if (end == std::string::npos) end = data.size();
    std::string_view kv(data.data() + i, end - i);
    if (auto eq = kv.find('='); eq != std::string_view::npos && eq > 0)
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    i = end + 1;
  }
  return env;
}

}  // namespace

bool valid_service_name(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::map<std::string, std::string> to_label_map(const Labels& l) {
  return {{"shoal.peer", l.peer},
          {"shoal.service", l.service},
          {"shoal.index", std::to_string(l.index)},
          {"shoal.spec", l.spec_hash}};
}

const char* to_string(Exit::Reason r) {
  switch (r) {
    case Exit::Reason::exited: return "exited";
    case Exit::Reason::stopped: return "stopped";
    case Exit::Reason::orphaned: return "orphaned";
    case Exit::Reason::lost: return "lost";
  }
  return "?";
}

std::string port_env_name(const std::string& name) {
  std::string out = "SHOAL_PORT_";
  for (char c : name) {
    if (c >= 'a' && c <= 'z') out += static_cast<char>(c - 'a' + 'A');
    else if (c == '-') out += '_';
    else out += c;
  }
  return out;
}

Result<std::string> resolve_command(const std::string& argv0, const std::string& path) {
  if (argv0.empty()) return Error{"empty command"};
  if (argv0.find('/') != std::string::npos) {
    if (argv0[0] == '/' && ::access(argv0.c_str(), X_OK) != 0)
      return Error{"command " + argv0 + ": " + std::strerror(errno)};
    return argv0;  // relative paths resolve against the instance's working directory
  }
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t j = path.find(':', i);
    if (j == std::string::npos) j = path.size();
    std::string dir = path.substr(i, j - i);
    i = j + 1;
    if (dir.empty()) continue;
    std::string cand = dir + "/" + argv0;
    struct stat st;
    if (::stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(cand.c_str(), X_OK) == 0)
      return cand;
  }
  return Error{"command not found in PATH: " + argv0};
}

ProcessDriver::ProcessDriver(ProcessDriverOptions options) : opt_(std::move(options)) {
  // Absolute paths: supervisors run from "/" and instances from their work dir.
  if (!opt_.data_dir.empty() && opt_.data_dir[0] != '/') {
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) != nullptr) opt_.data_dir = std::string(cwd) + "/" + opt_.data_dir;
  }
  if (auto s = mkdir_p(opt_.data_dir); !s) note(s.error().message);
  if (opt_.path.empty()) {
    const char* p = std::getenv("PATH");
    opt_.path = p != nullptr && *p != '\0' ? p : "/usr/local/bin:/usr/bin:/bin";
  }
  if (opt_.log_keep < 0) opt_.log_keep = 0;
  if (opt_.cgroups) use_cgroups();
}

// This peer's cgroups go below the host's bases in a folder of its data_dir's own (two peers on
// a host may both run web-0.0); the empty ones a killed supervisor left are removed.
void ProcessDriver::use_cgroups() {
  cgroups_ = opt_.cgroup_setup ? *opt_.cgroup_setup : set_up_cgroups(opt_.data_dir);
  note((cgroups_.v2_dir.empty()
            ? "instances in process groups only (no cgroup: " + cgroups_.v2_error + ")"
            : "instances in cgroups below " + cgroups_.v2_dir) +
       "; resource limits: " + describe_limits(cgroups_));
}

ProcessDriver::~ProcessDriver() { reap_children(); }

std::string ProcessDriver::record_path(const std::string& id) const {
  return opt_.data_dir + "/instances/" + id + kRecordSuffix;
}

std::string ProcessDriver::log_path(const Labels& l, bool stderr_stream) const {
  return opt_.data_dir + "/logs/" + l.service + "-" + std::to_string(l.index) +
         (stderr_stream ? ".err" : ".out");
}

std::string ProcessDriver::work_dir(const Labels& l) const {
  return opt_.data_dir + "/work/" + l.service + "-" + std::to_string(l.index);
}

std::string ProcessDriver::heartbeat_path() const { return opt_.data_dir + "/heartbeat"; }

Millis ProcessDriver::wall() const {
  return opt_.wall_clock ? opt_.wall_clock() : clock_ms(CLOCK_REALTIME);
}

Millis ProcessDriver::mono() const {
  return opt_.mono_clock ? opt_.mono_clock() : clock_ms(CLOCK_MONOTONIC);
}

void ProcessDriver::note(const std::string& line) const {
  if (opt_.log) opt_.log(line);
}

std::string touch_heartbeat(const std::string& data_dir) {
  const std::string path = data_dir + "/heartbeat";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return "heartbeat " + path + ": " + std::strerror(errno);
  ::futimens(fd, nullptr);  // mtime = now: supervisors watch for a change
  ::close(fd);
  return "";
}

void ProcessDriver::heartbeat() {
  if (std::string e = touch_heartbeat(opt_.data_dir); !e.empty()) note(e);
}

std::vector<std::pair<std::string, InstanceRecord>> ProcessDriver::load_records() {
  std::vector<std::pair<std::string, InstanceRecord>> out;
  std::string dir = opt_.data_dir + "/instances";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    std::string suffix = kRecordSuffix;
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(n.substr(0, n.size() - suffix.size()));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (auto& id : names) {
    auto r = read_record(record_path(id));
    if (!r) {
      note("skipping instance record: " + r.error().message);
      continue;
    }
    if (r->supervisor_pid > 0 &&
        process_exists(static_cast<pid_t>(r->supervisor_pid), r->supervisor_start))
      children_.insert({r->supervisor_pid, r->supervisor_start});
    out.emplace_back(id, std::move(r.value()));
  }
  return out;
}

void ProcessDriver::reap_children() {
  for (auto it = children_.begin(); it != children_.end();) {
    pid_t pid = static_cast<pid_t>(it->pid);
    bool drop = true;
    if (process_exists(pid, it->start)) {  // still our supervisor (maybe a zombie), not a reuse
      int status;
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      drop = w == pid || (w < 0 && errno == ECHILD);  // reaped, or not our child at all
    }
    it = drop ? children_.erase(it) : std::next(it);
  }
}

namespace {

// <service>-<index>.<n>, n the smallest unused (two copies may overlap in an update).
std::string free_instance_id(const Labels& labels,
                             const std::vector<std::pair<std::string, InstanceRecord>>& records) {
  const std::string base = labels.service + "-" + std::to_string(labels.index) + ".";
  for (int n = 0;; ++n) {
    std::string id = base + std::to_string(n);
    if (std::none_of(records.begin(), records.end(), [&](const auto& r) { return r.first == id; }))
      return id;
  }
}

// The instance's environment: PATH, the spec's env, then SHOAL_* and its host ports.
std::vector<std::string> instance_env(const std::string& path, const config::ServiceSpec& svc,
                                      const Labels& labels, const std::vector<HostPort>& ports) {
  std::map<std::string, std::string> env;
  env["PATH"] = path;
  for (const auto& [k, v] : svc.env) env[k] = v;
  env["SHOAL_SERVICE"] = labels.service;
  env["SHOAL_INDEX"] = std::to_string(labels.index);
  env["SHOAL_PEER"] = labels.peer;
  for (const auto& p : ports) env[port_env_name(p.name)] = std::to_string(p.host);
  if (ports.size() == 1) env["PORT"] = std::to_string(ports[0].host);
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// Forks the supervisor (every signal blocked in the child) and waits up to kReadyTimeoutMs for
// its ready message: the message, or why not (the supervisor is then gone and reaped).
Result<std::pair<pid_t, ReadyMessage>> spawn_supervisor(SupervisorPlan& plan) {
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return Error{std::string("pipe: ") + std::strerror(errno)};
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t sup = ::fork();
  if (sup == 0) run_supervisor(plan, ready[1]);
  int fork_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::close(ready[1]);
  if (sup < 0) {
    ::close(ready[0]);
    return Error{std::string("fork: ") + std::strerror(fork_errno)};
  }
  ReadyMessage msg;
  std::size_t got = 0;
  Millis deadline = clock_ms(CLOCK_MONOTONIC) + kReadyTimeoutMs;
  while (got < sizeof msg) {
    Millis left = deadline - clock_ms(CLOCK_MONOTONIC);
    if (left <= 0) break;
    pollfd pfd{ready[0], POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(left)) < 0 && errno != EINTR) break;
    ssize_t n = ::read(ready[0], reinterpret_cast<char*>(&msg) + got, sizeof msg - got);
    if (n > 0) got += static_cast<std::size_t>(n);
    else if (n == 0 || (errno != EINTR && errno != EAGAIN)) break;
  }
  ::close(ready[0]);
  if (got == sizeof msg && msg.ok == 1) return std::pair{sup, msg};
  if (got < sizeof msg) ::kill(sup, SIGKILL);  // silent or hung: make sure it is gone
  int status;
  while (::waitpid(sup, &status, 0) < 0 && errno == EINTR) {
  }
  return Error{got < sizeof msg ? std::string("supervisor did not report")
                                : stage_text(msg.stage) + " " + plan.exec_path + ": " +
                                      std::strerror(msg.error)};
}

}  // namespace

SupervisorPlan ProcessDriver::supervisor_plan(const config::ServiceSpec& svc,
                                              const InstanceRecord& rec, std::string exe,
                                              std::vector<std::string> env,
                                              std::string work_dir,
                                              InstanceCgroups groups) const {
  SupervisorPlan plan;
  plan.exec_path = std::move(exe);
  plan.args = svc.command;
  plan.env = std::move(env);
  plan.work_dir = std::move(work_dir);
  std::string out = log_path(rec.labels, false), err = log_path(rec.labels, true);
  plan.out_paths.push_back(out);
  plan.err_paths.push_back(err);
  for (int i = 1; i <= opt_.log_keep; ++i) {
    plan.out_paths.push_back(out + "." + std::to_string(i));
    plan.err_paths.push_back(err + "." + std::to_string(i));
  }
  plan.rotate_bytes = opt_.log_rotate_bytes;
  plan.record_path = record_path(rec.id);
  plan.record_static = encode_record_static(rec);
  plan.heartbeat_path = heartbeat_path();
  plan.orphan_timeout = opt_.orphan_timeout;
  plan.default_grace = svc.stop_grace;
  plan.cgroup_dirs = std::move(groups.dirs);
  plan.cgroup_limited = groups.limited;
  plan.oom_path = std::move(groups.oom_file);
  plan.prepare();
  return plan;
}

Result<Instance> ProcessDriver::start(const InstanceSpec& spec) {
  const config::ServiceSpec& svc = spec.service;
  const Labels& labels = spec.labels;
  if (!valid_service_name(labels.service))
    return Error{"invalid service name '" + labels.service + "'"};
  if (labels.index < 0) return Error{"invalid index " + std::to_string(labels.index)};
  if (svc.command.empty())
    return Error{"service " + labels.service + ": the process driver needs a command"};
  // Run without them, the service would write its data where nothing keeps it.
  if (std::string why = volumes_unsupported(svc, "process"); !why.empty())
    return Error{why, true};

  std::string path = opt_.path;
  if (auto it = svc.env.find("PATH"); it != svc.env.end()) path = it->second;
  auto exe = resolve_command(svc.command[0], path);
  if (!exe) return Error{"service " + labels.service + ": " + exe.error().message};

  std::string wdir = work_dir(labels);
  for (const std::string& dir : {opt_.data_dir + "/instances", opt_.data_dir + "/logs", wdir}) {
    if (auto s = mkdir_p(dir); !s) return s.error();
  }
  auto records = load_records();
  // Host ports: static ones as given, dynamic ones free now and not handed to another instance.
  std::set<std::uint16_t> used;
  for (const auto& [rid, r] : records)
    if (r.state == InstanceRecord::State::running)
      for (const auto& p : r.ports) used.insert(p.host);
  auto assigned = assign_host_ports(svc.ports, opt_.host_address, used);
  if (!assigned) return Error{"service " + labels.service + ": " + assigned.error().message};

  InstanceRecord rec;
  rec.id = free_instance_id(labels, records);
  rec.labels = labels;
  rec.ports = std::move(assigned.value());
  rec.stop_grace = svc.stop_grace;
  rec.started_at = wall();
  auto groups = make_instance_cgroups(cgroups_, rec.id, svc.resources);
  if (!groups) return Error{"service " + labels.service + ": " + groups.error().message};
  SupervisorPlan plan = supervisor_plan(svc, rec, exe.value(),
                                        instance_env(opt_.path, svc, labels, rec.ports), wdir,
                                        groups.value());
  auto spawned = spawn_supervisor(plan);
  if (!spawned) {
    remove_instance_cgroups(groups.value());
    note("start " + rec.id + " failed: " + spawned.error().message);
    return Error{"service " + labels.service + ": " + spawned.error().message};
  }
  const auto& [sup, msg] = spawned.value();
  children_.insert({sup, msg.supervisor_start});
  note("started " + rec.id + " pid " + std::to_string(msg.pid) + " supervisor " +
       std::to_string(sup));
  return Instance{rec.id, labels, rec.ports, msg.pid, rec.started_at};
}

Status ProcessDriver::stop(const std::string& id, Millis grace) {
  auto r = read_record(record_path(id));
  if (!r) return Error{"unknown instance " + id};
  if (r->state == InstanceRecord::State::exited) return {};
  if (grace < 0) grace = 0;
  pid_t sup = static_cast<pid_t>(r->supervisor_pid);
  if (process_matches(sup, r->supervisor_start)) {
    sigval v{};
    v.sival_int = static_cast<int>(std::min<Millis>(grace, 0x7fffffff));
    if (::sigqueue(sup, SIGTERM, v) == 0) {
      note("stopping " + id + " (grace " + std::to_string(grace) + " ms)");
      return {};
    }
  }
  // No supervisor: signal the group ourselves; poll() sends SIGKILL after the grace.
  if (process_matches(static_cast<pid_t>(r->pid), r->start_time)) {
    ::kill(static_cast<pid_t>(-r->pgid), SIGTERM);
    ::kill(static_cast<pid_t>(-r->pgid), SIGCONT);
    pending_[id] = PendingKill{r->pgid, r->start_time, mono() + grace};
    note("stopping " + id + " without supervisor (grace " + std::to_string(grace) + " ms)");
  }
  return {};
}

Status ProcessDriver::force_stop(const std::string& id) {
  auto r = read_record(record_path(id));
  if (!r || r->state == InstanceRecord::State::exited) return {};
  if (process_matches(static_cast<pid_t>(r->pid), r->start_time)) {
    if (::kill(static_cast<pid_t>(-r->pgid), SIGKILL) != 0 && errno != ESRCH)
      return Error{"SIGKILL to process group " + std::to_string(r->pgid) + ": " +
                   std::strerror(errno)};
    pending_.erase(id);
    note("force-stopped " + id + " (SIGKILL to process group " + std::to_string(r->pgid) + ")");
    return {};
  }
  pid_t sup = static_cast<pid_t>(r->supervisor_pid);
  if (process_matches(sup, r->supervisor_start)) {
    ::kill(sup, SIGKILL);
    note("force-stopped " + id + ": its supervisor " + std::to_string(sup) + " was hung");
  }
  return {};
}

std::vector<Instance> ProcessDriver::list() {
  std::vector<Instance> out;
  for (auto& [id, r] : load_records()) {
    if (r.state != InstanceRecord::State::running) continue;
    if (!process_matches(static_cast<pid_t>(r.pid), r.start_time)) continue;
    out.push_back(Instance{id, r.labels, r.ports, r.pid, r.started_at});
  }
  return out;
}

std::vector<Exit> ProcessDriver::poll() {
  reap_children();
  std::vector<Exit> out;
  for (auto& [id, rec] : load_records()) {
    InstanceRecord r = rec;
    if (r.state == InstanceRecord::State::running) {
      if (process_matches(static_cast<pid_t>(r.pid), r.start_time)) {
        auto it = pending_.find(id);
        if (it != pending_.end() && mono() >= it->second.at) {
          ::kill(static_cast<pid_t>(-it->second.pgid), SIGKILL);
          pending_.erase(it);
        }
        continue;
      }
      if (process_matches(static_cast<pid_t>(r.supervisor_pid), r.supervisor_start))
        continue;  // the supervisor is recording the exit
      // Both gone. The supervisor may have written the exit just before it ended: re-read.
      auto again = read_record(record_path(id));
      if (again) r = again.value();
      if (r.state == InstanceRecord::State::running) {
        r.state = InstanceRecord::State::exited;
        r.reason = Exit::Reason::lost;
        r.exit_code = -1;
        r.signal = 0;
        r.ended_at = 0;
      }
    }
    pending_.erase(id);
    out.push_back(Exit{id, r.labels, r.reason, r.exit_code, r.signal, r.ended_at});
    ::unlink(record_path(id).c_str());
    note("instance " + id + " ended: " + to_string(r.reason) + " code " +
         std::to_string(r.exit_code) + " signal " + std::to_string(r.signal) +
         (r.oom_kills > 0 ? " (out of memory: killed by the kernel at its memory limit)" : ""));
  }
  reap_children();
  return out;
}

ProbeResult ProcessDriver::exec_probe(const std::string& id, const std::vector<std::string>& argv,
                                      Millis timeout) {
  auto r = read_record(record_path(id));
  if (!r) return {false, "unknown instance " + id};
  const pid_t pid = static_cast<pid_t>(r->pid);
  if (r->state != InstanceRecord::State::running || !process_matches(pid, r->start_time))
    return {false, "instance " + id + " is not running"};
  auto env = read_environ(pid);
  // Read after the check above: make sure the PID still is the instance (not a reuse).
  if (!env || !process_matches(pid, r->start_time))
    return {false, "instance " + id + ": cannot read its environment"};
  return probe_exec(argv, env.value(), timeout, work_dir(r->labels));
}

}  // namespace shoal::runtime
