// The simulator's event queue and virtual clock: events ordered by (time, sequence), so equal
// times run in the order they were queued and a run is the same for the same seed.
#pragma once

#include <cstdint>
#include <queue>
#include <utility>
#include <vector>

#include "gossip/types.hpp"
#include "sim/experiment.hpp"

namespace shoal::sim {

// One event. Only `deliver` carries bytes; the other kinds use the small fields as noted.
struct Ev {
  enum Kind : std::uint8_t {
    deliver,         // a packet reaches `peer` from `from` (channel, bytes; slowed once at most)
    tick,            // `peer`'s engine timers (stale unless gen and time match its tick_at)
    reconcile,       // `peer`'s reconcile loop (arg 1: the periodic loop, 0: a wake-up)
    instance_up,     // a container start completes (arg: the instance's serial)
    instance_crash,  // a running container exits on its own (crash_rate; arg: its serial)
    initial_join,    // `peer` joins at its slot of join_spread
    fault_begin,     // fault `arg` starts
    fault_end,       // fault `arg` ends (stop, partition, slow)
    restart_down,    // fault `arg` (restart) crashes its `peer`-th picked peer
    restart_up,      // ... and brings it back `length` later
    specs,           // the services are written
    probe_write,     // RunOptions::probe_writes_every
    sample,          // a time-series row and the periodic checks
    converge_check   // after the last timed event, every 100 ms until the views agree
  };
  Micros time = 0;
  std::uint64_t seq = 0;
  Kind kind = tick;
  gossip::Channel channel = gossip::Channel::udp;
  bool slowed = false;
  std::uint32_t peer = 0;  // a peer index, or for restart_down/up the step (index into the picks)
  std::uint32_t from = 0;
  std::uint32_t gen = 0;   // the peer's life the event belongs to (stale after a crash)
  std::uint32_t arg = 0;
  gossip::Bytes bytes;
};

// The heap orders small keys; the events wait in a pool of reused slots (a heap of whole events
// moved ~64-byte records with every sift). Holds the virtual clock: the time of the last event
// taken.
class EventQueue {
 public:
  void push(Ev ev) {
    ev.seq = seq_++;
    std::uint32_t slot;
    if (!free_slots_.empty()) {
      slot = free_slots_.back();
      free_slots_.pop_back();
      pool_[slot] = std::move(ev);
    } else {
      slot = static_cast<std::uint32_t>(pool_.size());
      pool_.push_back(std::move(ev));
    }
    heap_.push(Key{pool_[slot].time, pool_[slot].seq, slot});
  }
  void push_at(Micros t, Ev::Kind k, std::uint32_t peer = 0, std::uint32_t arg = 0,
               std::uint32_t gen = 0) {
    Ev e;
    e.time = t;
    e.kind = k;
    e.peer = peer;
    e.arg = arg;
    e.gen = gen;
    push(std::move(e));
  }
  bool empty() const { return heap_.empty(); }
  Micros next_time() const { return heap_.top().time; }
  // The earliest event, removed. The clock is not moved: the caller checks and sets it.
  Ev pop() {
    const std::uint32_t slot = heap_.top().slot;
    heap_.pop();
    free_slots_.push_back(slot);
    return std::move(pool_[slot]);
  }
  Micros now() const { return now_; }
  void set_now(Micros t) { now_ = t; }

 private:
  struct Key {
    Micros time;
    std::uint64_t seq;
    std::uint32_t slot;  // in pool_
  };
  struct Later {
    bool operator()(const Key& a, const Key& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  std::priority_queue<Key, std::vector<Key>, Later> heap_;
  std::vector<Ev> pool_;
  std::vector<std::uint32_t> free_slots_;
  std::uint64_t seq_ = 0;
  Micros now_ = 0;
};

}  // namespace shoal::sim
