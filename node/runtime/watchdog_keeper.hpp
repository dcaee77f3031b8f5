// The agent's side of the docker driver's orphan watchdog (orphan_watchdog.hpp): keeps exactly
// one `shoal watchdog` running for its data_dir. At construction it asks a watchdog left by a
// previous run (it may watch under an older name or timeout) to exit; tick(), called with every
// heartbeat, starts a fresh one whenever none holds the lock (at start, and again after one
// acted while this agent was frozen and exited). The watchdog runs in a session of its own with
// /dev/null as stdin/stdout/stderr, so it outlives the agent; the agent reaps the ones it started
// (waitpid on their PIDs only).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "node/runtime/orphan_watchdog.hpp"

namespace shoal::runtime {

class WatchdogKeeper {
 public:
  // `exe`: the shoal binary ("/proc/self/exe": the running one, even when replaced on disk).
  WatchdogKeeper(WatchdogOptions options, std::function<void(std::string_view)> log,
                 std::string exe = "/proc/self/exe");
  ~WatchdogKeeper();  // reaps what has exited; a running watchdog keeps running

  WatchdogKeeper(const WatchdogKeeper&) = delete;
  WatchdogKeeper& operator=(const WatchdogKeeper&) = delete;

  void tick();

 private:
  void reap();
  void spawn();

  WatchdogOptions opt_;
  std::function<void(std::string_view)> log_;
  std::string exe_;
  std::vector<pid_t> children_;
  int failures_ = 0;  // watchdogs in a row that ended with an error
  int backoff_ = 0;   // ticks to let pass before the next start
};

}  // namespace shoal::runtime
