// The `process` runtime driver: runs a service's `command` as a plain process group on this
// host, each under its own supervisor (supervisor.hpp), with its state on disk so that
// instances outlive the peer process and a restarted peer adopts them.
//
// Layout under data_dir:
//   instances/<id>.inst          the instance record (instance_record.hpp); id = <svc>-<idx>.<n>
//   work/<service>-<index>/      the instance's working directory (kept across restarts)
//   logs/<service>-<index>.out   stdout (.err: stderr); rotated to .out.1 ... .out.<log_keep>
//   heartbeat                    touched by heartbeat(); supervisors stop their instance and
//                                exit when it has not changed for orphan_timeout
//
// Fork safety: start() forks a supervisor that only makes async-signal-safe calls on memory
// prepared before the fork, so it may be called from a multi-threaded peer. Supervisors are
// children of the peer process: poll() reaps them (waitpid on their own PIDs only, never -1).
// Not thread-safe: one call at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/runtime/cgroup_instance.hpp"
#include "node/runtime/driver.hpp"
#include "node/runtime/instance_record.hpp"
#include "node/runtime/supervisor.hpp"

namespace shoal::runtime {

// Touches data_dir/heartbeat (what supervisors watch); empty, or the error. Thread-safe: the
// agent's io thread calls it on a timer of its own, so a driver step that hangs (a probe up to
// its timeout) cannot make a live peer's instances stop as orphans.
std::string touch_heartbeat(const std::string& data_dir);

struct ProcessDriverOptions {
  std::string data_dir;                   // required; made absolute against the current dir
  std::string host_address = "0.0.0.0";   // where dynamic host ports must be free
  Millis orphan_timeout = 60000;          // PeerConfig::Runtime::orphan_timeout
  std::int64_t log_rotate_bytes = 10 * 1024 * 1024;  // 0 = never rotate
  int log_keep = 1;                       // rotated files kept per stream (0: truncate)
  // PATH used to find `command[0]`, and the instance's PATH unless its env sets one.
  // Empty = the peer's PATH, or "/usr/local/bin:/usr/bin:/bin".
  std::string path;
  std::function<Millis()> wall_clock;     // ms since the epoch; default: CLOCK_REALTIME
  std::function<Millis()> mono_clock;     // ms; default: CLOCK_MONOTONIC
  std::function<void(std::string_view)> log;  // optional: one line per notable event
  bool cgroups = true;  // each instance in a cgroup of its own when the host allows it (cgroup.hpp)
  // The host's cgroups as the agent found them at start (cgroup_setup.hpp); unset: found here.
  std::optional<CgroupSetup> cgroup_setup;
};

class ProcessDriver final : public Driver {
 public:
  explicit ProcessDriver(ProcessDriverOptions options);
  ~ProcessDriver() override;  // reaps finished supervisors; running instances keep running

  ProcessDriver(const ProcessDriver&) = delete;
  ProcessDriver& operator=(const ProcessDriver&) = delete;

  // Where instances' cgroups go; empty when the host allows none (then a command that
  // daemonises out of its process group outlives a stop).
  const std::string& cgroup_base() const { return cgroups_.v2_dir; }
  // Membership and limits mode (cgroup_setup.hpp); mode "none" without cgroups.
  const CgroupSetup& cgroups() const { return cgroups_; }

  // Environment: PATH, the spec's env, then SHOAL_SERVICE, SHOAL_INDEX, SHOAL_PEER,
  // SHOAL_PORT_<NAME> (upper case, '-' -> '_') per port, and PORT when there is exactly one.
  Result<Instance> start(const InstanceSpec& spec) override;
  Status stop(const std::string& id, Millis grace) override;
  // SIGKILL to the instance's process group; when the instance is already gone but its
  // supervisor still holds the record as running (a hung supervisor), SIGKILL to the
  // supervisor (poll() then reports the instance lost). An ended or unknown id is ok.
  Status force_stop(const std::string& id) override;
  std::vector<Instance> list() override;
  std::vector<Exit> poll() override;
  void heartbeat() override;
  // probe_exec of argv with the instance's own environment (read from /proc/<pid>/environ, so
  // adopted instances get theirs too), in its working directory. A failure when the instance
  // is unknown or not running.
  ProbeResult exec_probe(const std::string& id, const std::vector<std::string>& argv,
                         Millis timeout) override;

  std::string record_path(const std::string& id) const;
  std::string log_path(const Labels& labels, bool stderr_stream) const;
  std::string work_dir(const Labels& labels) const;
  std::string heartbeat_path() const;

 private:
  struct Child {
    std::int64_t pid;
    std::uint64_t start;
    auto operator<=>(const Child&) const = default;
  };
  struct PendingKill {
    std::int64_t pgid;
    std::uint64_t start_time;
    Millis at;
  };

  std::vector<std::pair<std::string, InstanceRecord>> load_records();
  // What the supervisor of `rec` runs: the command, its logs, record, heartbeat and cgroup.
  SupervisorPlan supervisor_plan(const config::ServiceSpec& svc, const InstanceRecord& rec,
                                 std::string exe, std::vector<std::string> env,
                                 std::string work_dir, InstanceCgroups groups) const;
  void reap_children();
  void use_cgroups();
  void note(const std::string& line) const;
  Millis wall() const;
  Millis mono() const;

  ProcessDriverOptions opt_;
  CgroupSetup cgroups_;                          // v2_dir empty: process groups only
  std::set<Child> children_;                     // supervisors that may need reaping
  std::map<std::string, PendingKill> pending_;   // stop() of an instance without supervisor
};

// "SHOAL_PORT_" + upper-cased name with '-' -> '_'.
std::string port_env_name(const std::string& port_name);

// The executable for argv0: itself when it holds a '/', else the first executable regular file
// named so in `path` (':'-separated).
Result<std::string> resolve_command(const std::string& argv0, const std::string& path);

}  // namespace shoal::runtime
