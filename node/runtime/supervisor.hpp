// The per-instance supervisor of the process driver: a child the peer forks, which forks and
// execs the instance and stays its parent. It
//   - reaps the instance and writes its exit (code or signal, and why) into the instance record,
//     so a peer that was away while the instance ended still learns how it ended;
//   - pumps the instance's stdout/stderr pipes into log files, each line stamped with the time
//     it arrived (log_stamp.hpp), rotating them by size;
//   - stops the instance (SIGTERM to its process group and its cgroup, SIGKILL after the grace
//     period; what is left once the main process ends is killed too) when
//     asked: SIGTERM to the supervisor, the grace in ms as sigqueue's value (plain kill: the
//     spec's stop_grace);
//   - watches the peer's heartbeat file and stops the instance the same way when the file has
//     not changed for orphan_timeout (the peer is gone), then exits.
//
// Everything the supervisor needs is prepared in a SupervisorPlan BEFORE fork; after fork it
// makes only async-signal-safe system calls on that memory (no malloc, no locks, no stdio), so
// a multi-threaded peer may fork it. It leaves with _exit, never returning into the caller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/spec.hpp"

namespace shoal::runtime {

struct SupervisorPlan {
  std::string exec_path;           // resolved program (execve, no PATH search after fork)
  std::vector<std::string> args;   // argv
  std::vector<std::string> env;    // "K=V"
  std::string work_dir;
  std::vector<std::string> out_paths, err_paths;  // [0] the live file, [i] its i-th rotation
  std::int64_t rotate_bytes = 0;   // 0 = never rotate
  std::string record_path;         // instance record; its static part is below
  std::string record_static;
  std::string heartbeat_path;
  config::Millis orphan_timeout = 60000;
  config::Millis default_grace = 10000;
  // The instance's own cgroups (cgroup_instance.hpp), made by the peer: [0] lists all its
  // processes (stops reach what left the process group), the others hold v1 limits; all are
  // joined by the instance and removed at its end. Empty: the process group alone.
  std::vector<std::string> cgroup_dirs;
  bool cgroup_limited = false;  // a join that fails fails the start (the limits would not hold)
  std::string oom_path;         // "oom_kill N" read there at the end, into the record

  // Filled by prepare(): pointers into the strings above and buffers of their final size.
  std::vector<char*> argv, envp;
  std::string record_tmp_path, record_dir, cgroup_procs, cgroup_kill;
  std::vector<std::string> cgroup_joins;  // each dir's cgroup.procs
  std::vector<char> io_buf, rec_buf, stamp_buf;
  void prepare();
};

// What the supervisor writes to the ready pipe once the instance runs (ok = 1) or failed to
// start (ok = 0; stage says where, error is an errno).
struct ReadyMessage {
  enum Stage : std::int32_t { kExec = 0, kChdir = 1, kSetup = 2, kRecord = 3, kCgroup = 4 };
  std::int32_t ok = 0;
  std::int32_t stage = 0;
  std::int32_t error = 0;
  std::int32_t pad = 0;
  std::int64_t pid = 0;
  std::uint64_t start_time = 0;
  std::uint64_t supervisor_start = 0;
};

// Runs in the freshly forked child, with every signal blocked (the parent blocks them around
// fork). `ready_fd` is the write end of the ready pipe. Never returns.
[[noreturn]] void run_supervisor(SupervisorPlan& plan, int ready_fd) noexcept;

}  // namespace shoal::runtime
