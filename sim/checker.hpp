// The invariant checker and the run's measurements: crashes followed until every live peer sees
// them dead (detection, first suspicion), stopped peers, false positives (a live peer declared
// dead by one that could reach it), state writes followed until every live peer holds them
// (dissemination), convergence after the last timed event, and the time series. It reads the
// peers and the network and is told what happens; it changes nothing of the run (apart from
// the peers' cached input hashes) and queues only its own convergence checks.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gossip/config.hpp"
#include "gossip/types.hpp"
#include "sim/event_queue.hpp"
#include "sim/network.hpp"
#include "sim/sim_peer.hpp"
#include "sim/world.hpp"

namespace shoal::sim {

struct Crash {
  std::uint32_t peer;
  std::string name;
  Micros at;
  bool restart;              // the peer comes back: detection counts only if before that
  std::optional<Micros> detected;
  bool returned = false;
  std::size_t cursor = 0;    // peers below have been seen to hold it non-live
  std::optional<Micros> first_suspected;  // the first peer suspecting it (or declaring it dead)
};

// A replicated-state write, followed until every live peer holds it (or a newer version).
struct Write {
  std::string key;
  gossip::Version version;
  Micros at = 0;
  std::size_t cursor = 0;    // peers below hold it (or were not live when passed)
  bool spec = false;
};

struct Stop {
  std::uint32_t peer;
  Micros at, until;
  bool declared_dead = false;
  std::optional<Micros> detected;  // every live peer held it dead (before it thawed)
};

// What the checker measured; the report reads it.
struct Measures {
  std::vector<Crash> crashes;
  std::vector<Stop> stops;
  std::set<std::uint32_t> fp_candidates;  // live peers declared dead (ever crashed/frozen: not)
  std::size_t live_suspicions = 0;  // suspicions raised by a peer's own probe of a live peer
  std::map<std::string, std::vector<Write>, std::less<>> writes;  // pending, by key
  std::vector<double> dissemination, dissemination_specs;
  std::vector<double> ready_after;  // a peer's start -> its `ready` (join_grace set)
  std::vector<RunSamples::Load> load;
  std::vector<Sample> series;
  double peer_seconds = 0;
  Micros last_event_end = 0;
  std::optional<Micros> converged_at;
};

// The instance columns of a sample (runs with services).
struct InstanceCounts {
  std::size_t desired, running, duplicated;
};

class Checker {
 public:
  Checker(const Experiment& x, const gossip::Config& cfg, EventQueue& queue, Peers& peers,
          const Network& network);

  void fail(const std::string& what);
  const std::string& failure() const { return failure_; }
  const Measures& measures() const { return m_; }
  Measures& measures() { return m_; }

  // --- told by the world ---
  void peer_crashed(std::uint32_t i, bool restart);
  void peer_stopped(std::uint32_t i, Micros until) {
    m_.stops.push_back(Stop{i, queue_.now(), until, false, std::nullopt});
  }
  void peer_ready(double after_s) { m_.ready_after.push_back(after_s); }
  // A member event of peer i's engine (suspicions and deaths matter here).
  void member_event(std::uint32_t i, const gossip::Event& e);
  // After a peer's output was handled: the crash check a death asked for.
  void after_flush() {
    if (!crash_check_due_) return;
    crash_check_due_ = false;
    check_crashes();
  }
  void track_write(const std::string& key, const gossip::Version& v);
  void write_seen(std::uint32_t i, const std::string& key);  // key changed in i's store
  void sweep_writes();  // after crashes and freezes: cursors may rest on peers no longer live
  void check_crashes();

  // --- periodic ---
  void sample(std::uint64_t udp_sent, std::optional<InstanceCounts> instances);
  void start_convergence(Micros last_event_end);  // checks every 100 ms from then on
  void converge_check();
  bool check_converged();

 private:
  bool advance(Write& w);
  void take_sample(std::uint64_t udp_sent, std::optional<InstanceCounts> instances);
  void check_invariants();
  void false_positive(std::uint32_t declarer, std::uint32_t x);
  bool dead_everywhere(const std::string& name) const;  // no live peer holds it alive or suspect

  const Experiment& x_;
  EventQueue& queue_;
  Peers& peers_;
  const Network& network_;
  Micros partition_grace_ = 0;  // a split this recent excuses a death declared across it
  bool crash_check_due_ = false;
  Measures m_;
  std::string failure_;
};

}  // namespace shoal::sim
