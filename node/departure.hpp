// How a peer goes on SIGTERM / SIGINT: the drain (node/peer/drain.hpp decides its phases: hand
// the local instances over, then stop what remains), then the graceful gossip leave (until the
// leave is gossiped, at most 3 s, at once when nobody else is alive), then the end of the io
// loop. The drain's Asio host: it polls every 200 ms while draining and every 50 ms while
// leaving, and asks the agent what it needs through Hooks. On the io thread only.
#pragma once

#include "node/asio.hpp"

#include <functional>

#include "gossip/types.hpp"
#include "node/peer/drain.hpp"

namespace shoal::node {

class Departure {
 public:
  static constexpr gossip::Micros kLeaveBound = 3 * gossip::kSeconds;

  struct Hooks {
    std::function<DrainView(const Drain&)> view;  // the drain's inputs now
    std::function<void()> drain_started;          // clear schedulable, reconcile
    std::function<void()> reconcile;              // the stopping phase polls the stops' ends
    std::function<void()> leave;                  // the gossip leave, sent
    // Nothing of the leave left to gossip, `waited` after it was sent.
    std::function<bool(gossip::Micros waited)> leave_gossiped;
    std::function<bool()> others_alive;
    std::function<void()> shutdown;               // close everything, stop the io loop
    std::function<gossip::Micros()> mono_now;
  };

  Departure(boost::asio::io_context& io, config::Millis handoff_timeout, Hooks hooks)
      : handoff_timeout_(handoff_timeout), hooks_(std::move(hooks)), drain_timer_(io),
        leave_timer_(io) {}

  // Drains, then leaves; `why` names the signal in the log.
  void start(const char* why);
  // The gossip leave at once (the drain is done).
  void leave();
  void cancel();

  const Drain& drain() const { return drain_; }
  bool leaving() const { return leaving_; }

 private:
  void check_drain();
  void check_leave();

  config::Millis handoff_timeout_;
  Hooks hooks_;
  Drain drain_;
  bool leaving_ = false;
  gossip::Micros leave_start_ = 0;
  boost::asio::steady_timer drain_timer_;
  boost::asio::steady_timer leave_timer_;
};

}  // namespace shoal::node
