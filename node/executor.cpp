#include "node/executor.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "node/runner.hpp"

namespace shoal::node {

Executor::Executor(ExecutorOptions options, Post post, std::function<void(ExecReport)> on_report)
    : opt_(std::move(options)), post_(std::move(post)), on_report_(std::move(on_report)) {
  worker_ = std::thread([this] { run(); });
}

Executor::~Executor() { stop(); }

void Executor::submit(StepInputs inputs) {
  {
    std::lock_guard<std::mutex> lk(mu_);
    if (stop_) return;
    pending_ = std::move(inputs);
  }
  cv_.notify_one();
}

void Executor::stop() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    pending_.reset();
  }
  cv_.notify_one();
  if (worker_.joinable()) worker_.join();
}

std::uint64_t Executor::steps() const {
  std::lock_guard<std::mutex> lk(mu_);
  return steps_;
}

config::Millis Executor::mono() const {
  if (opt_.mono_clock) return opt_.mono_clock();
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void Executor::say(const std::string& line) const {
  if (opt_.log) opt_.log(line);
}

void Executor::run() {
  driver_ = opt_.make_driver();
  config::Millis next_check = 0, next_heartbeat = 0;
  std::unique_lock<std::mutex> lk(mu_);
  while (!stop_) {
    const config::Millis now = mono();
    const config::Millis due = std::min(next_check, next_heartbeat);
    if (!pending_ && !probe_news_ && now < due) {
      cv_.wait_for(lk, std::chrono::milliseconds(due - now));
      continue;
    }
    std::optional<StepInputs> in = std::move(pending_);
    pending_.reset();
    const bool probe_news = std::exchange(probe_news_, false);
    lk.unlock();

    bool send = false;
    if (now >= next_check) {
      send |= check_driver();
      next_check = mono() + opt_.check_interval;
    }
    if (now >= next_heartbeat) {
      driver_->heartbeat();
      next_heartbeat = mono() + opt_.heartbeat_interval;
    }
    if (!runner_ && available_) send |= make_runner();
    ExecReport rep;
    const bool stepped = in && runner_ && available_;
    if (stepped) {
      step(std::move(*in), rep);
      send = true;
    } else if (probe_news && runner_ && available_ && !probe_wake_sent_) {
      // A probe result waits: ask the io thread for a step (with fresh inputs) to collect it.
      rep.wake_at = std::max(mono(), last_step_ + kProbeWakeGap);
      probe_wake_sent_ = true;
      send = true;
    }
    if (send) report(std::move(rep));
    lk.lock();
    if (stepped) ++steps_;
  }
  lk.unlock();
  runner_.reset();
  driver_.reset();
}

bool Executor::check_driver() {
  runtime::Status st = driver_->available();
  const bool ok = st.ok();
  const std::string err = ok ? std::string() : st.error().message;
  if (opt_.engine_socket) socket_ = opt_.engine_socket(*driver_);
  const bool changed = !checked_ || ok != available_ || err != error_;
  if (changed && !ok) say("runtime unavailable: " + err);
  if (changed && ok && checked_) say("runtime available again");
  checked_ = true;
  available_ = ok;
  error_ = err;
  return changed;
}

// Adopts what the driver lists as ours (the engine answered a moment ago).
bool Executor::make_runner() {
  ProbeOptions po;
  po.max_concurrent = opt_.max_probes;
  po.on_done = [this] {
    {
      std::lock_guard<std::mutex> g(mu_);
      probe_news_ = true;
    }
    cv_.notify_one();
  };
  runner_ = std::make_unique<Runner>(opt_.self, *driver_, opt_.reconcile,
                                     [this](std::string_view l) { say(std::string(l)); },
                                     std::move(po));
  return true;
}

void Executor::step(StepInputs in, ExecReport& rep) {
  RunnerInputs ri;
  ri.now = mono();
  ri.assignment = &in.assignment;
  ri.services = &in.services;
  ri.peers = &in.peers;
  ri.live_peers = std::move(in.live_peers);
  ri.synced = in.synced;
  ri.alone_since = in.alone_since;
  ri.health_bad = in.health_bad;
  ri.capacity = in.capacity;
  last_step_ = ri.now;
  probe_wake_sent_ = false;
  rep.wake_at = runner_->step(ri);
  rep.stepped = true;
  rep.seq = in.seq;
}

void Executor::report(ExecReport rep) {
  rep.has_status = runner_ != nullptr;
  if (runner_) rep.status = runner_->status();
  if (runner_) rep.counts = runner_->counts();
  rep.available = available_;
  rep.error = error_;
  rep.socket = socket_;
  post_([cb = on_report_, rep = std::move(rep)]() mutable { cb(std::move(rep)); });
}

}  // namespace shoal::node
