#include "node/state_writer.hpp"

#include <utility>

#include "node/persist.hpp"

namespace shoal::node {

StateWriter::StateWriter(std::string path, Log log, Write write, std::chrono::milliseconds retry)
    : path_(std::move(path)),
      log_(std::move(log)),
      write_(write ? std::move(write)
                   : Write([](const std::string& p, const std::string& d) {
                       return write_file_atomic(p, d);
                     })),
      retry_(retry),
      thread_([this] { run(); }) {}

StateWriter::~StateWriter() { stop(); }

void StateWriter::submit(std::string data) {
  {
    std::lock_guard lk(mu_);
    if (pending_) ++coalesced_;
    pending_ = std::move(data);
    ++submits_;
  }
  cv_.notify_all();
}

void StateWriter::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t StateWriter::written() const {
  std::lock_guard lk(mu_);
  return written_;
}
std::uint64_t StateWriter::failed() const {
  std::lock_guard lk(mu_);
  return failed_;
}
std::uint64_t StateWriter::coalesced() const {
  std::lock_guard lk(mu_);
  return coalesced_;
}

void StateWriter::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [&] { return pending_ || stopping_; });
    if (!pending_) return;  // stopping, nothing left to write
    std::string data = std::move(*pending_);
    pending_.reset();
    const bool last = stopping_;
    lk.unlock();
    const std::string error = write_(path_, data);
    if (!error.empty() && log_) log_(error);
    lk.lock();
    if (error.empty()) {
      ++written_;
      continue;
    }
    ++failed_;
    if (last) return;  // shutting down: one attempt only, the failure is logged
    if (!pending_) pending_ = std::move(data);  // retried unless a newer one replaced it
    const std::uint64_t seen = submits_;
    cv_.wait_for(lk, retry_, [&] { return stopping_ || submits_ != seen; });
  }
}

}  // namespace shoal::node
