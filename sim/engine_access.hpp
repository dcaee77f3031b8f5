// Reading a gossip::Engine's member table from the simulator without copies. An engine with
// the compact accessors (for_each_member / find_member) is read through them; one without is
// read through members() / member(). Either way the simulator only needs, per member, its name,
// state and metadata, and never depends on the iteration order (callers combine
// order-independently or sort).
#pragma once

#include <optional>
#include <string>

#include "gossip/engine.hpp"

namespace shoal::sim {

// Calls f(name, state, meta) for every member of `e` (itself included), in no particular order.
template <typename E, typename F>
void for_each_member(const E& e, F&& f) {
  if constexpr (requires { e.for_each_member([](const auto&) {}); }) {
    e.for_each_member([&](const auto& m) { f(m.name, m.state, m.meta); });
  } else {
    for (const auto& [name, m] : e.members()) f(name, m.state, m.meta);
  }
}

// The state `e` holds for `name`, or nullopt when it is not a member there.
template <typename E>
std::optional<gossip::MemberState> member_state(const E& e, const std::string& name) {
  if constexpr (requires { e.find_member(name); }) {
    if (auto m = e.find_member(name)) return m->state;
    return std::nullopt;
  } else {
    if (const gossip::Member* m = e.member(name)) return m->state;
    return std::nullopt;
  }
}

}  // namespace shoal::sim
