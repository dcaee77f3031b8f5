// The process driver's per-instance record, `<data_dir>/instances/<id>.inst`: what a restarted
// peer needs to re-discover and adopt an instance, and how it ended. Text, one `key=value` a
// line (values escape `\` and newlines), always replaced whole: temp file, fsync, rename,
// fsync of the directory. Only the instance's supervisor writes it; the peer reads it and
// deletes it once it has reported the exit.
//
//   shoal-instance=1
//   id=web-0.0
//   peer=host-a          service=web          index=0          spec=9f2c...
//   port=http 8080 41234                  (name container host; one line per port)
//   stop_grace_ms=10000  started_at_ms=...
//   supervisor_pid=...   supervisor_start=...   (start = /proc/<pid>/stat field 22)
//   pid=...  pgid=...  start_time=...
//   state=running | exited
//   reason=exited|stopped|orphaned  exit_code=N  signal=N  ended_at_ms=...   (when exited)
//   oom_kills=N                           (when exited and the kernel killed for memory)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "node/runtime/driver.hpp"

namespace shoal::runtime {

struct InstanceRecord {
  enum class State { running, exited };
  std::string id;
  Labels labels;
  std::vector<HostPort> ports;
  Millis stop_grace = 0;
  Millis started_at = 0;
  std::int64_t supervisor_pid = 0;
  std::uint64_t supervisor_start = 0;
  std::int64_t pid = 0;
  std::int64_t pgid = 0;
  std::uint64_t start_time = 0;
  State state = State::running;
  Exit::Reason reason = Exit::Reason::exited;
  int exit_code = -1;
  int signal = 0;
  Millis ended_at = 0;
  std::int64_t oom_kills = 0;  // OOM kills the kernel counted in its cgroup (a memory limit)
};

// The lines known before the supervisor forks (id .. started_at_ms).
std::string encode_record_static(const InstanceRecord& r);
// The whole record (static lines, then pids, state and exit).
std::string encode_record(const InstanceRecord& r);
Result<InstanceRecord> decode_record(std::string_view text);

// Reads and decodes one record file.
Result<InstanceRecord> read_record(const std::string& path);
// Replaces `path` with `content` atomically (path.tmp, fsync, rename, fsync of the directory).
Status write_file_atomic(const std::string& path, std::string_view content);

}  // namespace shoal::runtime
