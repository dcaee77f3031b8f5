#include "node/peer/drain.hpp"

#include <algorithm>

namespace shoal::node {

void Drain::start(const DrainView& v, config::Millis handoff_timeout) {
  if (phase_ != Phase::none) return;
  phase_ = Phase::handoff;
  handoff_seq_ = v.submitted + 1;
  handoff_start_ = v.now;
  handoff_bound_ = std::min(handoff_timeout, kHandoffCap);
}

std::string Drain::end_of_handoff(const DrainView& v) const {
  if (!v.others_alive) return "no other peer is alive: not waiting";
  if (v.runtime_down) return "runtime unavailable: nothing can be handed off";
  if (v.have_status && v.stepped >= handoff_seq_ && v.active == 0)
    return "drained: nothing runs here any more";
  if (v.now - handoff_start_ >= handoff_bound_)
    return "drain bound reached with " + std::to_string(v.active) + " instance(s) still here";
  return {};
}

std::vector<Drain::Note> Drain::advance(const DrainView& v) {
  std::vector<Note> notes;
  if (phase_ == Phase::handoff) {
    std::string why = end_of_handoff(v);
    if (why.empty()) return notes;
    notes.push_back({false, std::move(why)});
    phase_ = Phase::stopping;
    stop_seq_ = v.submitted + 1;  // the first step told that nothing is wanted here
    stop_start_ = v.now;
    stop_bound_ = std::min(v.max_stop_grace + 2000, kStopCap);
    if (v.have_status && v.local > 0) {
      notes.push_back({false, "stopping " + std::to_string(v.local) +
                                  " remaining instance(s) (up to " +
                                  std::to_string(stop_bound_) + " ms)"});
    }
  }
  if (phase_ == Phase::stopping) {
    const bool empty = v.runtime_down || !v.have_status || (v.stepped >= stop_seq_ && v.local == 0);
    if (!empty && v.now - stop_start_ < stop_bound_) return notes;
    if (!empty) {
      notes.push_back({true, "stop bound reached with " + std::to_string(v.local) +
                                 " instance(s) still here"});
    }
    phase_ = Phase::done;
  }
  return notes;
}

}  // namespace shoal::node
