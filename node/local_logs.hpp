// Reads this peer's own instances' logs for `shoal logs` (blocking: file reads, engine calls;
// node/logs_api.hpp runs it off the io thread).
// - process driver: data_dir/logs/<service>-<index>.out and .err, and their rotated copies
//   .out.1 ... .out.9 (node/runtime/supervisor.cpp rotates them by size). Each line carries
//   the time it arrived (node/runtime/log_stamp.hpp); a line without one (written by an older
//   supervisor) takes its file's last write (an upper bound; lines of one file keep their
//   order). The follow cursor is "<inode>.<offset>" of the live file: the
//   next read starts there (after a rotation, in the rotated file that has that inode; a
//   file truncated in place reads from its start, unless it grew past the offset again first,
//   as with tail -F).
// - docker: the containers labelled shoal.peer=<this peer>, shoal.service, shoal.index (every
//   one still kept, an exited one too), through GET /containers/{id}/logs with timestamps; the
//   cursor is "<ns>:<n>": the last line's time and how many lines read had exactly that time
//   (Podman stamps by the second). An ended container's logs are read from the copy
//   the driver kept before removing it (<service>-<index>.<short id>.docker, for
//   runtime.log_retention: node/runtime/saved_logs.hpp).
// Reads are bounded: at most kMaxLogReadBytes from the end of each stream, `tail` lines per
// stream and instance.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "node/log_line.hpp"
#include "node/logs_query.hpp"
#include "node/logs_wire.hpp"

namespace shoal::node {

constexpr std::int64_t kMaxLogReadBytes = 4 << 20;
constexpr std::int64_t kMaxSavedLogFileBytes = 16 << 20;  // node/runtime/saved_logs.hpp's bound

struct LocalLogsSetup {
  std::string peer;         // this peer's name (docker label shoal.peer)
  std::string data_dir;
  std::string driver;       // "process" | "docker"
  std::string socket;       // docker: the engine's unix socket
};

// The answer to `req` from this peer's logs, `now_ms` the wall clock (for since_ms). Lines are
// oldest first, service and peer filled.
LogsResponse read_local_logs(const LocalLogsSetup& setup, const LogsRequest& req,
                             std::int64_t now_ms);

// Process driver, one stream of one instance: `base` is data_dir/logs/<svc>-<idx>.out (or
// .err). Exposed for tests.
struct StreamRead {
  std::vector<std::string> lines;
  std::int64_t mtime_ms = 0;  // per line: its file's last write
  std::vector<std::int64_t> line_ms;
  std::string position;       // the cursor after this read; empty when there is no file
};
StreamRead read_process_stream(const std::string& base, const std::string& position, int tail,
                               std::int64_t not_before_ms);

}  // namespace shoal::node
