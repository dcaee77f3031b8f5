// Reading a gossip::Engine's member table from the simulator without copies (the engine's
// compact accessors, not members(), which builds a name-ordered copy). The simulator only needs,
// per member, its name, state and metadata, and never depends on the iteration order (callers
// combine order-independently or sort).
#pragma once

#include <optional>
#include <string>

#include "gossip/engine.hpp"

namespace shoal::sim {

// Calls f(name, state, meta) for every member of `e` (itself included), in no particular order.
template <typename F>
void for_each_member(const gossip::Engine& e, F&& f) {
  e.for_each_member([&](const gossip::MemberView& m) { f(m.name, m.state, m.meta); });
}

// The state `e` holds for `name`, or nullopt when it is not a member there.
inline std::optional<gossip::MemberState> member_state(const gossip::Engine& e,
                                                       const std::string& name) {
  if (auto m = e.find_member(name)) return m->state;
  return std::nullopt;
}

}  // namespace shoal::sim
