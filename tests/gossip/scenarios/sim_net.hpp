// A small deterministic network for gossip tests: virtual time, an event queue ordered by
// (time, seq), crashes, a slow peer (its packet handling lags) and a frozen peer (handles nothing
// for a while, then everything at once). Each packet's fate (latency with jitter, UDP loss,
// partitions) is the simulator's own, sim/packet_fate.hpp. One seed decides everything. Not a
// simulator for users (that is sim/): a test fixture.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gossip/engine.hpp"
#include "sim/packet_fate.hpp"

namespace shoal::gossip::testing {

struct Recorded {
  Micros time = 0;
  std::size_t node = 0;  // who emitted it
  Event event;
};

class SimNet {
 public:
  explicit SimNet(std::uint64_t seed);

  // A peer named `name` at 10.0.<i/250>.<i%250+1>:7950. Returns its index.
  std::size_t add(const std::string& name, const Config& cfg, std::uint64_t incarnation = 0,
                  Meta meta = {});
  Address addr_of(std::size_t i) const { return nodes_[i].addr; }
  std::size_t size() const { return nodes_.size(); }
  Engine& engine(std::size_t i) { return *nodes_[i].engine; }
  const Engine& engine(std::size_t i) const { return *nodes_[i].engine; }
  bool up(std::size_t i) const { return nodes_[i].up; }
  Micros now() const { return now_; }

  // Engines added from now on share one Interner (as a simulator's do); form_at needs it.
  void share_interner() { interner_ = std::make_shared<Interner>(); }
  // Scheduled actions (at absolute virtual times).
  void join_at(Micros t, std::size_t i, std::vector<std::size_t> seeds);
  // Every peer (all sharing the interner) starts at t as one formed cluster
  // (Engine::start_formed), peer 0 as everyone's seed.
  void form_at(Micros t);
  void at(Micros t, std::function<void()> fn);
  void run_until(Micros t);

  // Faults.
  void leave(std::size_t i);                      // now: graceful leave (keeps running)
  void crash(std::size_t i);                      // now: stops handling anything, forever
  // Replaces peer i with a fresh engine (same or new name/address) and joins it via seeds.
  void restart(std::size_t i, const std::string& name, const Config& cfg,
               std::uint64_t incarnation, std::vector<std::size_t> seeds,
               std::optional<Address> addr = std::nullopt);
  void freeze(std::size_t i, Micros until);       // now .. until: handles nothing
  void set_lag(std::size_t i, Micros lag) { nodes_[i].lag = lag; }
  void set_loss(double fraction);  // of UDP datagrams, 0..1
  void set_loss(std::uint64_t) = delete;  // a fraction, not a count per million
  // Each packet's latency is uniform in [base, base + jitter] (the default: 1 ms, 1 ms).
  void set_latency(Micros base, Micros jitter);
  // Peers in different groups (one per peer) cannot reach each other, until heal().
  void partition(const std::vector<int>& group_of_node) { fate_.partition(group_of_node, false); }
  void heal() { fate_.heal(now_); }
  // Replicated-state writes on peer i, now.
  void put(std::size_t i, const std::string& key, Bytes value);
  void erase(std::size_t i, const std::string& key);
  // True when every up peer holds the same entries (tombstones included).
  bool state_converged() const;
  // True when every up peer has the same view hash.
  bool view_hashes_equal() const;
  // Hands `bytes` to peer i now, as if `from` had sent them.
  void inject(std::size_t i, const Address& from, Channel ch, const Bytes& bytes);
  // Keeps a copy of the first `n` datagrams sent (for fuzz corpora).
  void capture(std::size_t n) { capture_limit_ = n; }
  const std::vector<Bytes>& captured() const { return captured_; }

  // Observations.
  const std::vector<Recorded>& events() const { return events_; }
  std::uint64_t trace_hash() const { return hash_; }
  std::uint64_t datagrams() const { return datagrams_; }
  std::uint64_t ticks() const { return ticks_; }
  // State of `name` as peer i sees it (nullopt: unknown).
  std::optional<MemberState> state_at(std::size_t i, const std::string& name) const;
  // True when every up peer sees every up peer alive (and nobody else live).
  bool converged() const;
  std::string describe(std::size_t i) const;  // one line per member, for failure messages

 private:
  std::shared_ptr<Interner> interner_;  // shared by the engines when set
  struct Node {
    std::string name;
    Address addr;
    std::unique_ptr<Engine> engine;
    bool up = true;
    Micros lag = 0;
    Micros frozen_until = 0;
    Micros tick_at = kNever;
    std::uint64_t generation = 0;  // bumps on restart: stale deliveries are dropped
  };
  struct Ev {
    enum Kind { deliver, tick, action } kind = action;
    std::size_t node = 0;
    std::uint64_t generation = 0;
    Address from;
    Channel channel = Channel::udp;
    Bytes bytes;
    std::function<void()> fn;
  };

  void push(Micros t, Ev ev);
  void flush(std::size_t i, Outbox& out);
  void schedule_tick(std::size_t i);
  Clock clock() const { return Clock{now_, now_ + 1'700'000'000 * kSeconds}; }
  void mix(std::uint64_t v);
  void mix_bytes(const void* p, std::size_t n);

  sim::PacketFate fate_;
  Micros now_ = 0;
  std::uint64_t seq_ = 0;
  std::map<std::pair<Micros, std::uint64_t>, Ev> queue_;
  std::vector<Node> nodes_;
  std::map<Address, std::size_t> by_addr_;
  std::vector<Recorded> events_;
  std::uint64_t hash_ = 1469598103934665603ULL;
  std::uint64_t datagrams_ = 0;
  std::uint64_t ticks_ = 0;
  std::uint64_t seed_;
  std::size_t capture_limit_ = 0;
  std::vector<Bytes> captured_;
};

// The lan profile with Lifeguard on or off.
Config lan(bool lifeguard = true);

}  // namespace shoal::gossip::testing
