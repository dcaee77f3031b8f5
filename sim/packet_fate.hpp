// The fate of one packet on the simulated network, peer-agnostic: given who sends to whom on
// which channel, it decides whether the packet is cut (partition, two-way or one-way) or lost,
// after how long it arrives and whether it arrives twice, drawing from its own seed only. The
// simulator's Network and the gossip tests' SimNet both wrap it; what a peer does with a packet
// (slow, frozen, crashed) is theirs. Links only gossip/ (its Rng and types), so tests may use it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "gossip/rng.hpp"
#include "gossip/types.hpp"

namespace shoal::sim {

using gossip::Micros;

// How packets travel between any two peers the partition lets through.
struct LinkModel {
  Micros latency_min = 1 * gossip::kMillis;  // one-way latency, uniform per packet in [min, max]
  Micros latency_max = 5 * gossip::kMillis;
  int stream_latency_factor = 1;  // a stream message takes this many one-way latencies
  double loss = 0;                // fraction of UDP datagrams lost (resolution 1e-6)
  double duplicate = 0;           // fraction of UDP datagrams delivered twice (stream: never)
  // Stream messages cross the same lossy links as TCP does (off: the stream channel never loses,
  // as before). Each segment is lost with `loss` and sent again after a retransmission timeout
  // doubling from kRtoMin, Linux's 200 ms; a connection unused for kStreamIdle (the agent's
  // idle deadline, StreamTransport) is opened again first: its SYN and SYN-ACK time out after
  // kRtoSyn, 1 s. A message not through within kStreamIdle is lost (the connection closes).
  bool stream_loss = false;
};

// What becomes of one packet: `copies` arrivals (0: cut or lost), each `delay` after sending.
struct Fate {
  int copies = 0;
  std::array<Micros, 2> delay{};
};

class PacketFate {
 public:
  PacketFate(const LinkModel& model, std::uint64_t seed) : model_(model), rng_(seed) {}

  const LinkModel& model() const { return model_; }
  void set_model(const LinkModel& model) { model_ = model; }
  // Peers are numbered 0, 1, ... in the order added; one added during a partition lands in the
  // last group.
  void peer_added();

  // The fate of a packet from -> to. Draws, in this order: the latency; for UDP, loss and then
  // duplication (each only when its fraction is > 0), and a second copy's latency.
  // `now` and `reply` (an answer on the asker's connection) matter only with stream_loss.
  Fate decide(std::uint32_t from, std::uint32_t to, gossip::Channel channel, Micros now = 0,
              bool reply = false);

  static constexpr Micros kRtoMin = 200 * gossip::kMillis;
  static constexpr Micros kRtoSyn = 1000 * gossip::kMillis;
  static constexpr Micros kStreamIdle = 10'000 * gossip::kMillis;

  // Peers in different groups (one per peer added) cannot reach each other; one-way: only
  // packets from a lower group to a higher one are cut. A peer past the end of `groups` is cut
  // from nobody.
  void partition(std::vector<int> groups, bool oneway);
  void heal(Micros now);
  bool partitioned() const { return partitioned_; }
  // a -> b is cut by the partition now.
  bool blocked(std::uint32_t a, std::uint32_t b) const;
  // a and b were in different groups of a partition that ended at most `grace` before `now`.
  bool split_recently(std::uint32_t a, std::uint32_t b, Micros now, Micros grace) const;

 private:
  struct PartitionRecord {
    std::vector<int> groups;
    Micros end;
  };
  bool chance(double p);
  // One TCP segment's wait until a copy gets through: the retransmission timeouts, doubling.
  Micros retransmits(Micros rto);
  // With stream_loss: the delay of a stream message on the connection opened by `opener`.
  Micros stream_delay(std::uint32_t opener, std::uint32_t peer, Micros now, Micros lat);
  struct Connection {
    Micros last_used = 0;
    Micros established = 0;  // its handshake done (later than a use while it is still opening)
  };

  LinkModel model_;
  gossip::Rng rng_;
  std::vector<int> group_;                   // by peer
  bool partitioned_ = false, oneway_ = false;
  std::vector<PartitionRecord> partitions_;  // the ended ones
  std::map<std::pair<std::uint32_t, std::uint32_t>, Connection> connections_;  // (opener, peer)
};

}  // namespace shoal::sim
