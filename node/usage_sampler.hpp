// Measures this peer's CPU and memory every `interval`, on a thread of its own (the docker
// driver's engine calls block; /proc reads are cheap but need not load the io thread either):
// - the host from /proc/stat and /proc/meminfo, the agent from /proc/self/stat;
// - process-driver instances from their records (data_dir/instances/*.inst): the processes of
//   the instance's cgroup when it has one (cgroup.procs), else the main process and its
//   descendants (/proc/<pid>/task/<pid>/children), summed from /proc/<pid>/stat;
// - docker-driver instances from the engine: the containers labelled shoal.peer=<self>, then
//   `GET /containers/{id}/stats?stream=false&one-shot=true` each (2 s bound per call, bodies
//   bounded by DockerApi). CPU is the change of the engine's cumulative counter over our own
//   elapsed time, so the engine's precpu (absent with one-shot) is not needed.
// CPU needs two readings: the first only primes the counters. Each later reading goes to
// `deliver`, called on the sampler's thread (the agent posts it to its io thread).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "node/peer/usage_summary.hpp"

namespace shoal::node {

struct UsageSource {
  std::string peer;      // this peer's name (the shoal.peer label)
  std::string data_dir;  // process driver: data_dir/instances
  std::string driver;    // "process" | "docker"
  std::string socket;    // docker: the engine's socket
};

// The counters one reading keeps for the next (CPU is a rate).
class UsageMeter {
 public:
  explicit UsageMeter(UsageSource src);
  // One reading at `mono_ms` / `wall_ms`; nullopt the first time (priming) or when /proc is
  // unreadable.
  std::optional<UsageSummary> read(std::int64_t mono_ms, std::int64_t wall_ms);

 private:
  struct Counter {
    std::uint64_t value = 0;  // ticks, or nanoseconds for the engine
    std::int64_t at_ms = 0;
  };
  // Milli-cores from the change of `c` to `value` (clock ticks when `ticks`, else ns); 0 when
  // `fresh` (no earlier value), or the counter went back.
  std::int64_t rate(Counter& c, bool fresh, std::uint64_t value, std::int64_t now_ms,
                    bool ticks);
  void read_processes(std::int64_t now_ms, UsageSummary& out);
  void read_containers(std::int64_t now_ms, UsageSummary& out);

  UsageSource src_;
  std::string cgroup_mount_;
  long tick_hz_;
  long page_size_;
  bool primed_ = false;
  std::uint64_t host_busy_ = 0, host_total_ = 0;
  Counter agent_;
  std::map<std::string, Counter> instances_;  // by instance or container id
};

class UsageSampler {
 public:
  UsageSampler(UsageSource src, std::chrono::milliseconds interval,
               std::function<void(UsageSummary)> deliver);
  ~UsageSampler();  // stops the thread (waits for a reading under way: its engine calls stop after ~6 s)
  UsageSampler(const UsageSampler&) = delete;
  UsageSampler& operator=(const UsageSampler&) = delete;

 private:
  void loop();

  UsageMeter meter_;
  std::chrono::milliseconds interval_;
  std::function<void(UsageSummary)> deliver_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace shoal::node
