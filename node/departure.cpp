#include "node/departure.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace shoal::node {

void Departure::start(const char* why) {
  const DrainView v = hooks_.view(drain_);
  drain_.start(v, handoff_timeout_);
  spdlog::info("{}: draining: schedulable cleared; waiting up to {} ms for {} local instance(s) "
               "to run elsewhere",
               why, drain_.handoff_bound(), v.active);
  hooks_.drain_started();
  check_drain();
}

void Departure::check_drain() {
  for (const auto& note : drain_.advance(hooks_.view(drain_))) {
    if (note.warning) spdlog::warn("drain: {}", note.text);
    else spdlog::info("drain: {}", note.text);
  }
  if (drain_.phase() == Drain::Phase::done) {
    leave();
    return;
  }
  if (drain_.phase() == Drain::Phase::stopping) hooks_.reconcile();
  drain_timer_.expires_after(std::chrono::milliseconds(200));
  drain_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) check_drain();
  });
}

void Departure::leave() {
  leaving_ = true;
  spdlog::info("leaving the cluster");
  leave_start_ = hooks_.mono_now();
  hooks_.leave();
  check_leave();
}

void Departure::check_leave() {
  const gossip::Micros waited = hooks_.mono_now() - leave_start_;
  if (hooks_.leave_gossiped(waited) || waited >= kLeaveBound || !hooks_.others_alive()) {
    hooks_.shutdown();
    return;
  }
  leave_timer_.expires_after(std::chrono::milliseconds(50));
  leave_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) check_leave();
  });
}

void Departure::cancel() {
  drain_timer_.cancel();
  leave_timer_.cancel();
}

}  // namespace shoal::node
