// Peers exchanging their datagrams in memory on virtual time, for tests of node::Peer. Every
// event of an engine call goes to its peer's observe(), as the agent and the simulator do.
#pragma once

#include <deque>
#include <utility>
#include <vector>

#include "gossip/engine.hpp"
#include "node/peer/peer.hpp"

namespace shoal::node::testing {

inline constexpr gossip::Micros kPeerNetWall = 1'767'225'600LL * gossip::kSeconds;

inline gossip::Clock at(gossip::Micros now) { return {now, kPeerNetWall + now}; }

inline gossip::Address addr_of(Peer& p) { return p.engine().find_member(p.name())->addr; }

// Every datagram at once (and the answers) among `up`; one for a peer not up is lost.
inline void deliver(const std::vector<Peer*>& up, gossip::Micros now, gossip::Outbox out,
                    const gossip::Address& from) {
  std::deque<std::pair<gossip::Address, gossip::Datagram>> queue;
  for (auto& d : out.sends) queue.emplace_back(from, std::move(d));
  while (!queue.empty()) {
    auto [src, d] = std::move(queue.front());
    queue.pop_front();
    for (Peer* p : up) {
      if (addr_of(*p) != d.to) continue;
      gossip::Outbox reply;
      p->engine().handle_packet(at(now), src, d.channel, d.bytes, reply);
      for (const auto& e : reply.events) p->observe(e);
      for (auto& r : reply.sends) queue.emplace_back(d.to, std::move(r));
    }
  }
}

// The timers of the peers in `up` every 100 ms from `now` to `until` (the others are frozen).
inline void run(const std::vector<Peer*>& up, gossip::Micros& now, gossip::Micros until) {
  for (; now < until; now += 100 * gossip::kMillis) {
    for (Peer* p : up) {
      gossip::Outbox out;
      p->engine().handle_tick(at(now), out);
      for (const auto& e : out.events) p->observe(e);
      deliver(up, now, std::move(out), addr_of(*p));
    }
  }
}

}  // namespace shoal::node::testing
