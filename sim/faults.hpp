// The experiment's timed faults: kill, stop (freeze), partition, slow, join and rolling
// restart. Picks the peers each fault hits (its own seed), queues the fault's later steps and
// tells the network or the world what to do; the world carries out what happens to a peer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gossip/rng.hpp"
#include "sim/event_queue.hpp"
#include "sim/experiment.hpp"
#include "sim/network.hpp"
#include "sim/sim_peer.hpp"

namespace shoal::sim {

// What a fault does to peers (the world implements it).
class FaultTarget {
 public:
  virtual void crash(std::uint32_t i, bool restart) = 0;
  virtual void freeze(const std::vector<std::uint32_t>& peers, Micros until) = 0;
  virtual void resume(std::uint32_t i) = 0;
  virtual void join(const ExperimentNode& n) = 0;                  // a new peer
  virtual void restart(std::uint32_t i, bool keep_disk) = 0;       // a crashed peer comes back
  virtual void update_spec(const std::string& service, bool broken) = 0;  // a new version

 protected:
  ~FaultTarget() = default;
};

class Faults {
 public:
  Faults(const Experiment& x, std::uint64_t seed, EventQueue& queue, const Peers& peers,
         Network& network, FaultTarget& target);

  // Queues every fault's start; returns when the last one ends.
  Micros schedule();
  void begin(std::uint32_t f);
  void end(std::uint32_t f);
  // A rolling restart's k-th peer goes down, and comes back `length` later.
  void restart_down(std::uint32_t f, std::uint32_t k);
  void restart_up(std::uint32_t f, std::uint32_t k);

  std::uint64_t joined() const { return joined_; }
  const std::vector<std::string>& slow_names() const { return slow_names_; }

 private:
  // Up to n peers that are up and joined (frozen ones too with allow_frozen), picked at random,
  // in index order.
  std::vector<std::uint32_t> pick_up(int n, bool allow_frozen);
  void partition(const FaultEvent& e);
  void join(const FaultEvent& e);

  const Experiment& x_;
  gossip::Rng rng_;
  EventQueue& queue_;
  const Peers& peers_;
  Network& network_;
  FaultTarget& target_;
  std::vector<std::vector<std::uint32_t>> picked_;  // the peers each fault picked
  std::vector<std::string> slow_names_;
  std::uint64_t joined_ = 0;
};

}  // namespace shoal::sim
