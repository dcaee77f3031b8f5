// A peer's drain (SIGTERM / SIGINT) as a state machine over what the peer observes; the host
// (node/agent.cpp) feeds it every 200 ms and on each report, and acts on its phase.
//   handoff:  schedulable cleared, reconciling goes on, so placement gives this peer's
//             instances to others and the reconciler stops each local copy once its new owner
//             reports it ready (make-before-break); until nothing runs here, or
//             min(handoff_timeout, 30 s), or at once when no other peer is alive or the
//             runtime is down (nothing can be handed off).
//   stopping: nothing is wanted here any more, so the reconciler stops every local instance;
//             until none is left, or the largest stop_grace + 2 s (at most 30 s).
//   done:     the gossip leave, then the process exits.
// Reconcile steps are numbered (seq): a phase waits for a step submitted after it began, since
// a step already in flight may still start something.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/spec.hpp"

namespace shoal::node {

// What the drain looks at, as the host sees it now.
struct DrainView {
  config::Millis now = 0;            // monotonic
  bool others_alive = false;         // another member alive or suspect
  bool runtime_down = false;         // the container engine was checked and does not answer
  bool have_status = false;          // the reconciler reported at least once
  std::uint64_t submitted = 0;       // seq of the last step handed to the reconciler
  std::uint64_t stepped = 0;         // highest seq the reconciler reported done
  std::size_t active = 0;            // local instances starting, running or stopping
  std::size_t local = 0;             // local instances in any state
  config::Millis max_stop_grace = 0; // the largest stop_grace of the specs in force
};

class Drain {
 public:
  enum class Phase { none, handoff, stopping, done };
  static constexpr config::Millis kHandoffCap = 30000;
  static constexpr config::Millis kStopCap = 30000;

  Phase phase() const { return phase_; }
  bool active() const { return phase_ != Phase::none; }
  // Whether the reconciler must be told that nothing is wanted here.
  bool stopping_all() const { return phase_ == Phase::stopping || phase_ == Phase::done; }
  // How long the handoff waits at most (after start()).
  config::Millis handoff_bound() const { return handoff_bound_; }
  config::Millis stop_bound() const { return stop_bound_; }

  // Enters handoff (from none only).
  void start(const DrainView& v, config::Millis handoff_timeout);
  // A line for the peer's log, when the drain moves on.
  struct Note {
    bool warning = false;
    std::string text;  // "drained: nothing runs here any more"
  };
  // Moves on while the current phase's end condition holds (handoff may end, and stopping with
  // it, in one call). Returns what happened, in order; empty when the phase is unchanged.
  std::vector<Note> advance(const DrainView& v);

 private:
  std::string end_of_handoff(const DrainView& v) const;

  Phase phase_ = Phase::none;
  std::uint64_t handoff_seq_ = 0, stop_seq_ = 0;
  config::Millis handoff_start_ = 0, handoff_bound_ = 0, stop_start_ = 0, stop_bound_ = 0;
};

}  // namespace shoal::node
