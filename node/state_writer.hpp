// Writes one file (data_dir/state) on a thread of its own, so the io thread never waits for a
// disk's write and fsync. Coalescing: at most one write is in flight; snapshots submitted
// meanwhile replace each other and only the newest is written next. A failed write is retried
// (after `retry`) until it succeeds or a newer snapshot replaces it. stop() writes what is
// still pending before it returns, so nothing submitted is lost at shutdown.
// Thread-safe: submit() from one thread (the io thread), the writes on the writer's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace shoal::node {

class StateWriter {
 public:
  // Writes `data` to `path` durably; empty on success, else what failed.
  using Write = std::function<std::string(const std::string& path, const std::string& data)>;
  using Log = std::function<void(const std::string&)>;

  // `write` defaults to write_file_atomic (node/persist.hpp); `log` hears each failure.
  StateWriter(std::string path, Log log, Write write = {},
              std::chrono::milliseconds retry = std::chrono::seconds(1));
  ~StateWriter();  // stop()
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  // Hands over the newest snapshot; returns at once (replaces one not yet being written).
  void submit(std::string data);
  // Writes the pending snapshot, if any (one attempt), then ends the thread. Idempotent.
  void stop();

  std::uint64_t written() const;    // successful writes
  std::uint64_t failed() const;     // failed attempts
  std::uint64_t coalesced() const;  // snapshots replaced before they were written

 private:
  void run();

  const std::string path_;
  const Log log_;
  const Write write_;
  const std::chrono::milliseconds retry_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<std::string> pending_;
  std::uint64_t submits_ = 0;  // wakes a retry wait early when a newer snapshot arrives
  bool stopping_ = false;
  std::uint64_t written_ = 0, failed_ = 0, coalesced_ = 0;
  std::thread thread_;  // last: starts after everything it reads is built
};

}  // namespace shoal::node
