// gossip::Engine: SWIM membership with the Lifeguard extensions, as a sans-IO state machine.
//
// Nothing inside reads a clock, touches a socket, a thread, a file or a log. Time comes in as a
// Clock on every call, randomness from the seed given at construction, packets come in through
// handle_packet and go out as Datagrams in the Outbox, with Events saying what changed. The
// caller (node/ with real UDP/TCP, sim/ with a simulated network) calls handle_tick whenever
// next_deadline() is reached. Same seed + same inputs -> the same outputs, byte for byte.
// Not thread-safe: one caller at a time.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "gossip/broadcasts.hpp"
#include "gossip/config.hpp"
#include "gossip/rng.hpp"
#include "gossip/types.hpp"

namespace shoal::gossip {

namespace wire {
struct Ping; struct IndirectPing; struct Ack; struct Nack;
struct Alive; struct Suspect; struct Dead; struct PushPull;
}  // namespace wire

struct Stats {
  std::uint64_t packets_in = 0;
  std::uint64_t packets_malformed = 0;  // failed to decode: dropped
  std::uint64_t messages_in = 0;
  std::uint64_t datagrams_out = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t pings_misdirected = 0;  // a ping for another name
  std::uint64_t acks_stale = 0;         // acks for no pending probe
  std::uint64_t probes = 0;
  std::uint64_t probes_failed = 0;
  std::uint64_t suspicions_raised = 0;  // by our own probes
  std::uint64_t refutations = 0;        // of suspicion/death of ourselves
  std::uint64_t name_conflicts = 0;
  std::uint64_t meta_too_large = 0;     // alive messages refused for oversized metadata
  std::uint64_t stalls = 0;             // ticks that came long after their deadline
  std::uint64_t push_pulls = 0;         // completed (replies merged)
};

class Engine {
 public:
  // Starts at incarnation identity.incarnation + 1 (a restart always announces a fresh one).
  // Idle until join() is called.
  Engine(Identity self, Config cfg, std::uint64_t seed);

  // Starts the timers and pushes/pulls state with every seed (stream channel), retried every
  // join_retry_interval until one answers; later, seeds not seen alive are retried every
  // seed_retry_interval so the halves of a healed partition merge. No seeds: a cluster of one.
  void join(Clock now, std::span<const Address> seeds, Outbox& out);
  // Graceful leave: gossips `left` about ourselves and stops probing. Keep calling handle_tick
  // (and handle_packet) until pending_broadcasts() is 0 or a few gossip intervals have passed.
  void leave(Clock now, Outbox& out);
  // One packet from `from` on `channel` (for stream, `from` is the connection's peer; replies are
  // Datagrams on Channel::stream to the same address). Malformed packets are dropped and counted.
  void handle_packet(Clock now, const Address& from, Channel channel,
                     std::span<const std::byte> bytes, Outbox& out);
  // Fires every timer due at or before now.mono. A tick far past its deadline (a stalled peer)
  // raises local health and, with Lifeguard, re-arms suspicion timers instead of firing them.
  void handle_tick(Clock now, Outbox& out);
  // When handle_tick must next be called (kNever if nothing is scheduled).
  Micros next_deadline() const;

  // New metadata: bumps the incarnation and gossips it. False (and nothing changes) when it
  // encodes to more than Config::max_meta_bytes.
  bool set_meta(Clock now, const Meta& meta, Outbox& out);

  const Members& members() const { return members_; }   // includes ourselves
  const Member* member(const std::string& name) const;
  const std::string& name() const { return self_.name; }
  std::uint64_t incarnation() const { return incarnation_; }  // node/ persists this
  // Lifeguard's local health score, 0 (healthy) .. awareness_max - 1; timeouts scale by score+1.
  int local_health() const { return health_; }
  bool joined() const { return joined_; }
  std::size_t pending_broadcasts() const { return broadcasts_.size(); }
  const Stats& stats() const { return stats_; }
  const Config& config() const { return cfg_; }

 private:
  struct Probe {
    bool active = false;
    std::uint32_t seq = 0;
    std::string target;
    Address addr;
    Micros start = 0;
    Micros direct_deadline = 0;
    Micros end_deadline = 0;
    bool indirect_sent = false;
    int expected_nacks = 0;
    int nacks = 0;
  };
  struct Relay {  // an indirect ping we forward for someone else
    Address requester;
    std::uint32_t seq = 0;
    bool nack = false;
    Micros deadline = 0;
  };
  struct Suspicion {
    std::string suspector;
    std::set<std::string> confirmations;
    int k = 0;
    Micros min = 0, max = 0;
    Micros start = 0;
    Micros deadline = 0;
  };

  // Message handlers.
  void on_ping(Clock now, const Address& from, Channel ch, const wire::Ping& m, Outbox& out);
  void on_indirect_ping(Clock now, const Address& from, const wire::IndirectPing& m, Outbox& out);
  void on_ack(Clock now, const wire::Ack& m, Outbox& out);
  void on_nack(const wire::Nack& m);
  void on_push_pull(Clock now, const Address& from, const wire::PushPull& m, Outbox& out);
  void alive_node(Clock now, const wire::Alive& m, Outbox& out);
  void suspect_node(Clock now, const wire::Suspect& m, Outbox& out);
  void dead_node(Clock now, const wire::Dead& m, Outbox& out);
  void refute(std::uint64_t seen, bool accused, Outbox& out);

  // Timers.
  void start_timers(Clock now);
  void start_probe(Clock now, Outbox& out);
  void probe_direct_timeout(Clock now, Outbox& out);
  void probe_failed(Clock now, Outbox& out);
  void gossip_round(Clock now, Outbox& out);
  void push_pull_to(const Address& to, bool join, Outbox& out);
  void forget_expired(Clock now, Outbox& out);
  void handle_stall(Clock now);

  // Helpers.
  void send_udp(const Address& to, Bytes part, Outbox& out);  // with piggybacked updates
  void send_raw(const Address& to, Channel ch, Bytes bytes, Outbox& out);
  void broadcast_alive_self();
  void set_state(Member& m, MemberState s, Micros now);
  void emit(Outbox& out, EventKind k, const Member& m, std::string from = {});
  std::size_t live_count() const;  // alive + suspect, ourselves included
  Micros scaled(Micros t) const;
  void add_health(int delta);
  void start_suspicion(Clock now, const std::string& name, const std::string& from);
  std::vector<const Member*> pick_random(std::size_t k, const std::string& exclude, Micros now,
                                         bool include_recent_dead);
  wire::PushPull local_state(bool join, bool reply) const;

  Identity self_;
  Config cfg_;
  Rng rng_;
  std::uint64_t incarnation_;
  Members members_;
  std::map<std::string, Suspicion> suspicions_;
  std::map<std::uint32_t, Relay> relays_;
  BroadcastQueue broadcasts_;
  std::vector<std::string> probe_order_;
  std::size_t probe_index_ = 0;
  Probe probe_;
  std::uint32_t next_seq_ = 1;
  int health_ = 0;
  mutable std::size_t live_count_ = 0;
  mutable bool live_count_dirty_ = true;

  bool started_ = false;
  bool joined_ = false;
  bool leaving_ = false;
  std::vector<Address> seeds_;
  Micros next_probe_ = kNever;
  Micros next_gossip_ = kNever;
  Micros next_push_pull_ = kNever;
  Micros next_join_retry_ = kNever;
  Micros next_seed_retry_ = kNever;
  Micros next_reconnect_ = kNever;
  Stats stats_;
};

}  // namespace shoal::gossip
