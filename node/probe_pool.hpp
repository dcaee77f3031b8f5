// The threads that run health probes off the reconcile step (issue 14: a hung check never
// holds up the peer). At most `max_threads` probes run at once, so a host with many instances
// cannot fork-bomb itself with exec checks; more wait in a FIFO queue. Threads are made on
// demand up to the cap and live as long as the pool. Each probe bounds its own time (the
// check's timeout, runtime::capped_timeout). A finished probe's result waits until take();
// `on_done` runs on the probe thread after each one (to wake whoever collects).
//
// The destructor drops the queued probes and waits for the running ones (each ends within its
// timeout).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "node/runtime/driver.hpp"

namespace shoal::node {

class ProbePool {
 public:
  using Job = std::function<runtime::ProbeResult()>;
  struct Done {
    std::uint64_t key = 0;
    runtime::ProbeResult result;
  };

  explicit ProbePool(std::size_t max_threads = 16, std::function<void()> on_done = {});
  ~ProbePool();
  ProbePool(const ProbePool&) = delete;
  ProbePool& operator=(const ProbePool&) = delete;

  // Queues `job`; its result comes back from take() under `key`.
  void submit(std::uint64_t key, Job job);
  // The results finished since the last call, in the order they finished.
  std::vector<Done> take();
  // Waits (bounded) until at least `n` results wait for take(); returns whether they do.
  bool wait_results(std::size_t n, std::chrono::milliseconds timeout);

  std::size_t running() const;  // probes running now
  std::size_t queued() const;   // probes waiting for a thread
  std::size_t threads() const;  // threads made so far (<= max_threads)

 private:
  struct Queued {
    std::uint64_t key;
    Job job;
  };
  void work();

  const std::size_t max_;
  const std::function<void()> on_done_;
  mutable std::mutex mu_;
  std::condition_variable cv_;       // work queued, or stop
  std::condition_variable done_cv_;  // a result arrived
  std::deque<Queued> queue_;
  std::vector<Done> done_;
  std::size_t idle_ = 0;
  std::size_t running_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace shoal::node
