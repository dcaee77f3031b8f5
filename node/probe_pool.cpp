#include "node/probe_pool.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

namespace shoal::node {

ProbePool::ProbePool(std::size_t max_threads, std::function<void()> on_done)
    : max_(std::max<std::size_t>(max_threads, 1)), on_done_(std::move(on_done)) {}

ProbePool::~ProbePool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ProbePool::submit(std::uint64_t key, Job job) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stop_) return;
    queue_.push_back({key, std::move(job)});
    // A thread per queued probe that no idle thread will take, up to the cap.
    if (queue_.size() > idle_ && threads_.size() < max_) threads_.emplace_back([this] { work(); });
  }
  cv_.notify_one();
}

std::vector<ProbePool::Done> ProbePool::take() {
  std::lock_guard<std::mutex> lk(mu_);
  return std::exchange(done_, {});
}

bool ProbePool::wait_results(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(mu_);
  return done_cv_.wait_for(lk, timeout, [&] { return done_.size() >= n; });
}

std::size_t ProbePool::running() const {
  std::lock_guard<std::mutex> lk(mu_);
  return running_;
}

std::size_t ProbePool::queued() const {
  std::lock_guard<std::mutex> lk(mu_);
  return queue_.size();
}

std::size_t ProbePool::threads() const {
  std::lock_guard<std::mutex> lk(mu_);
  return threads_.size();
}

void ProbePool::work() {
  std::unique_lock<std::mutex> lk(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lk, [&] { return stop_ || !queue_.empty(); });
    --idle_;
    if (stop_) return;
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    lk.unlock();
    runtime::ProbeResult r;
    try {
      r = q.job();
    } catch (const std::exception& e) {
      r = {false, std::string("probe failed: ") + e.what()};
    }
    lk.lock();
    --running_;
    done_.push_back({q.key, std::move(r)});
    done_cv_.notify_all();
    if (on_done_) {
      lk.unlock();
      on_done_();
      lk.lock();
    }
  }
}

}  // namespace shoal::node
