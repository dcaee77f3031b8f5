// For tests that feed engines packets by hand: addresses, clocks, and what an outbox sent.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gossip/engine.hpp"
#include "gossip/wire.hpp"

namespace shoal::gossip::testing {

inline constexpr Micros kHandWall = 1'700'000'000'000'000;

inline Address addr(int i) { return Address{"10.0.0." + std::to_string(i), 7950}; }
inline Clock at(Micros t) { return Clock{t, kHandWall + t}; }

// The messages of type M about `name` in what `out` sent to `to`.
template <class M>
std::vector<M> sent_about(const Outbox& out, const Address& to, const std::string& name) {
  std::vector<M> found;
  std::vector<wire::Message> msgs;
  for (const auto& d : out.sends) {
    if (d.to != to) continue;
    REQUIRE(wire::decode(d.bytes, msgs));
    for (const auto& m : msgs)
      if (const auto* x = std::get_if<M>(&m); x && x->name == name) found.push_back(*x);
  }
  return found;
}

}  // namespace shoal::gossip::testing
