// The fate of one packet on the simulated network, peer-agnostic: given who sends to whom on
// which channel, it decides whether the packet is cut (partition, two-way or one-way) or lost,
// after how long it arrives and whether it arrives twice, drawing from its own seed only. The
// simulator's Network and the gossip tests' SimNet both wrap it; what a peer does with a packet
// (slow, frozen, crashed) is theirs. Links only gossip/ (its Rng and types), so tests may use it.
#pragma once

#include <array>
#include <cstdint>
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
  Fate decide(std::uint32_t from, std::uint32_t to, gossip::Channel channel);

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

  LinkModel model_;
  gossip::Rng rng_;
  std::vector<int> group_;                   // by peer
  bool partitioned_ = false, oneway_ = false;
  std::vector<PartitionRecord> partitions_;  // the ended ones
};

}  // namespace shoal::sim
