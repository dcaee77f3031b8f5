// The simulated network between the peers: each packet's fate (latency, loss, duplication,
// stream slowness, partitions two-way or one-way: packet_fate.hpp) and what the peers make of
// it, slow peers (every packet to them late) and the buffers of frozen peers. Turns a peer's
// outgoing datagrams into deliver events and decides, when one arrives, whether the engine
// takes it now. Draws from its own seed only.
#pragma once

#include <cstdint>
#include <vector>

#include "gossip/types.hpp"
#include "sim/event_queue.hpp"
#include "sim/experiment.hpp"
#include "sim/packet_fate.hpp"
#include "sim/sim_peer.hpp"

namespace shoal::sim {

class Network {
 public:
  // A packet a frozen peer's sockets hold until it resumes.
  struct Buffered {
    std::uint32_t from;
    gossip::Channel channel;
    gossip::Bytes bytes;
  };

  Network(const Experiment& x, std::uint64_t seed, EventQueue& queue, const Peers& peers);

  // A peer was added to the table (index peers.size() - 1).
  void peer_added();
  // Peer `from`'s datagrams (consumed): counted, then cut, lost, delayed or duplicated.
  void send(std::uint32_t from, std::vector<gossip::Datagram>& sends);
  // A deliver event reached its peer: true when its engine takes the packet now; false when it
  // is stale (peer down or in a later life), buffered (frozen) or queued again (slow peer).
  bool arrive(Ev& ev);
  // What a frozen peer's sockets held (emptied), and a crash losing it.
  std::vector<Buffered> take_buffered(std::uint32_t i);
  void drop_buffered(std::uint32_t i) { buffered_[i].clear(); }

  void set_slow(std::uint32_t i, Micros delay) { slow_delay_[i] = delay; }
  // Peers in different groups cannot reach each other (one-way: only lower -> higher is cut).
  void partition(std::vector<int> groups, bool oneway) {
    fate_.partition(std::move(groups), oneway);
  }
  void heal() { fate_.heal(queue_.now()); }
  bool partitioned() const { return fate_.partitioned(); }
  // a -> b is cut by the partition now.
  bool blocked(std::uint32_t a, std::uint32_t b) const { return fate_.blocked(a, b); }
  // a and b were in different groups of a partition that ended at most `grace` ago.
  bool split_recently(std::uint32_t a, std::uint32_t b, Micros grace) const {
    return fate_.split_recently(a, b, queue_.now(), grace);
  }

  std::uint64_t msgs() const { return msgs_; }
  std::uint64_t bytes() const { return bytes_; }
  std::uint64_t udp_msgs() const { return udp_msgs_; }

 private:
  EventQueue& queue_;
  const Peers& peers_;
  PacketFate fate_;
  std::vector<Micros> slow_delay_;               // by peer
  std::vector<std::vector<Buffered>> buffered_;  // by peer, while frozen
  std::uint64_t msgs_ = 0, bytes_ = 0, udp_msgs_ = 0;
};

}  // namespace shoal::sim
