// The docker driver's orphan watchdog: a small process per data_dir (the hidden subcommand
// `shoal watchdog`, started by the agent: watchdog_keeper.hpp) that outlives the agent, as the
// process driver's supervisors do. It watches the agent's heartbeat (data_dir/heartbeat, the
// same file the supervisors watch: heartbeat_watch.hpp) and, once it has not changed for
// orphan_timeout, force-removes every running container labelled shoal.peer=<peer> through the
// engine (DockerDriver::force_stop), logs what it did to data_dir/watchdog.log, and exits. So a
// frozen, starved or dead agent never keeps copies running past that bound next to the ones the
// cluster starts elsewhere.
//
// At most one per data_dir: it holds an exclusive flock on data_dir/watchdog.lock, which says
// "<pid> <start time>" of the holder. Right before each container it removes it reads the
// heartbeat again; when the agent beats again (it woke up, or a new agent started) it removes
// nothing more and goes back to watching. SIGTERM/SIGINT/SIGHUP end it without acting.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "config/spec.hpp"

namespace shoal::runtime {

struct WatchdogOptions {
  std::string data_dir;                 // absolute
  std::string peer;                     // the shoal.peer label of the containers to stop
  std::string socket;                   // engine socket; empty = detected as the agent does
  config::Millis orphan_timeout = 60000;
  config::Millis engine_timeout = 10000;  // per engine request
};

// The watchdog's main: returns its exit code (0 after acting or when told to stop or when
// another holds the lock; 2 when data_dir cannot be used). Closes every descriptor from 3 up
// first, so nothing of the agent's is held open.
int run_orphan_watchdog(const WatchdogOptions& options);

std::string watchdog_lock_path(const std::string& data_dir);
std::string watchdog_log_path(const std::string& data_dir);

struct WatchdogHolder {
  pid_t pid = 0;
  std::uint64_t start_time = 0;  // /proc start time: with the pid, this very process
};

// The live watchdog holding data_dir's lock, or nullopt when the lock is free (or its holder's
// record is unreadable or names a process that is gone).
std::optional<WatchdogHolder> watchdog_holder(const std::string& data_dir);

// Whether some process holds data_dir's watchdog lock right now.
bool watchdog_lock_held(const std::string& data_dir);

}  // namespace shoal::runtime
