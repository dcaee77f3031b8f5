// Test support for the process driver: a temporary data_dir, a driver on it, bounded waits,
// and a cleanup that SIGKILLs every process the test started (by PID) and reaps it.
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <utility>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "node/runtime/instance_record.hpp"
#include "node/runtime/log_stamp.hpp"
#include "node/runtime/proc.hpp"
#include "node/runtime/cgroup.hpp"
#include "node/runtime/process_driver.hpp"

namespace shoal::runtime::test {

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Polls `done` every 10 ms until it holds or `timeout_ms` passes; returns whether it held.
inline bool wait_until(const std::function<bool()>& done, std::int64_t timeout_ms) {
  std::int64_t deadline = now_ms() + timeout_ms;
  for (;;) {
    if (done()) return true;
    if (now_ms() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The lines of a process-driver log file without their arrival times (log_stamp.hpp); a line
// that has none is marked "<no stamp> ...", so a test comparing lines sees it.
inline std::vector<std::string> log_lines(const std::string& path) {
  std::vector<std::string> out;
  for (auto& l : lines_of(read_text(path)))
    out.push_back(parse_log_stamp(l) ? l.substr(kLogStampBytes) : "<no stamp> " + l);
  return out;
}

class Harness {
 public:
  explicit Harness(std::function<void(ProcessDriverOptions&)> tweak = {}) {
    // Instances whose supervisor died are re-parented to us, so the cleanup can reap them.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    char tmpl[] = "/tmp/shoal-runtime-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    opt_.data_dir = dir_;
    opt_.host_address = "127.0.0.1";
    if (tweak) tweak(opt_);
    driver = std::make_unique<ProcessDriver>(opt_);
  }

  ~Harness() {
    std::vector<std::string> cgroups;  // this peer's folders: v2, and v1 cpu and memory
    if (driver)
      for (const auto& c : {driver->cgroups().v2_dir, driver->cgroups().v1_cpu,
                            driver->cgroups().v1_memory})
        if (!c.empty()) cgroups.push_back(c);
    driver.reset();
    kill_everything();
    for (const auto& c : cgroups) remove_empty_cgroups(c, true);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Simulates a peer restart: a new driver object on the same data_dir.
  void restart_driver() {
    driver.reset();
    driver = std::make_unique<ProcessDriver>(opt_);
  }

  const std::string& dir() const { return dir_; }
  const ProcessDriverOptions& options() const { return opt_; }

  InstanceSpec spec(const std::string& service, int index, const std::string& script) const {
    InstanceSpec s;
    s.labels = Labels{"peer-a", service, index, "hash-" + service};
    s.service.name = service;
    s.service.command = {"/bin/sh", "-c", script};
    s.service.stop_grace = 5000;
    return s;
  }

  Instance start(const InstanceSpec& s) {
    auto r = driver->start(s);
    if (!r) throw std::runtime_error("start failed: " + r.error().message);
    auto rec = read_record(driver->record_path(r->id));
    if (rec) {
      remember(rec->pid, rec->start_time);
      remember(rec->supervisor_pid, rec->supervisor_start);
    }
    return r.value();
  }

  // A shell loop that runs `on_term` on SIGTERM, after creating ready.<its pid> in its working
  // directory once the trap is set (wait_ready), so a stop cannot beat the trap.
  static std::string trap_loop(const std::string& on_term) {
    return "trap '" + on_term + "' TERM; : > ready.$$; while :; do sleep 0.05; done";
  }
  bool wait_ready(const Instance& inst, std::int64_t timeout_ms = 5000) {
    std::string marker = driver->work_dir(inst.labels) + "/ready." + std::to_string(inst.pid);
    return wait_until([&] { return std::filesystem::exists(marker); }, timeout_ms);
  }

  // Polls the driver until `n` exits arrived (or timeout); returns all exits seen.
  std::vector<Exit> wait_exits(std::size_t n, std::int64_t timeout_ms = 5000) {
    std::vector<Exit> all;
    wait_until(
        [&] {
          for (auto& e : driver->poll()) all.push_back(e);
          return all.size() >= n;
        },
        timeout_ms);
    return all;
  }

  // A process to SIGKILL at cleanup if it still runs with this start time.
  void remember(std::int64_t pid, std::uint64_t start_time) { procs_.insert({pid, start_time}); }

 private:
  void kill_everything() {
    // Every instance and supervisor the records name (checked against their start time).
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator(dir_ + "/instances", ec)) {
      if (e.path().extension() != ".inst") continue;
      auto r = read_record(e.path().string());
      if (!r) continue;
      if (process_matches(static_cast<pid_t>(r->pid), r->start_time))
        ::kill(static_cast<pid_t>(-r->pgid), SIGKILL);
      remember(r->pid, r->start_time);
      remember(r->supervisor_pid, r->supervisor_start);
    }
    for (auto [pid, start] : procs_)
      if (process_exists(static_cast<pid_t>(pid), start)) ::kill(static_cast<pid_t>(pid), SIGKILL);
    // Reap our children (supervisors, and instances re-parented to us), bounded.
    wait_until(
        [] {
          int st;
          pid_t w;
          while ((w = ::waitpid(-1, &st, WNOHANG)) > 0) {
          }
          return w < 0 && errno == ECHILD;
        },
        3000);
  }

  std::string dir_;
  ProcessDriverOptions opt_;
  std::set<std::pair<std::int64_t, std::uint64_t>> procs_;

 public:
  std::unique_ptr<ProcessDriver> driver;
};

}  // namespace shoal::runtime::test
