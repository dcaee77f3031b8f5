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
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gossip/broadcasts.hpp"
#include "gossip/config.hpp"
#include "gossip/intake_limit.hpp"
#include "gossip/interner.hpp"
#include "gossip/reply_limiter.hpp"
#include "gossip/rng.hpp"
#include "gossip/store.hpp"
#include "gossip/tree.hpp"
#include "gossip/types.hpp"

namespace shoal::gossip {

namespace wire {
struct Ping; struct IndirectPing; struct Ack; struct Nack;
struct Alive; struct Suspect; struct Dead; struct PushPull; struct StateDelta; struct StateSync;
struct AliveView; struct RecordView; struct PushPullView; struct StateDeltaView; struct StateSyncView;
struct TreeView; struct TreeIdView; struct Tree;
class PacketBuilder;
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
  std::uint64_t stale_claims_answered = 0;  // our alive sent to one who holds an older life dead
  std::uint64_t dead_told = 0;              // members held dead that sent us a datagram, told so
  std::uint64_t name_conflicts = 0;
  std::uint64_t meta_too_large = 0;     // alive messages refused for oversized metadata
  std::uint64_t stalls = 0;             // ticks that came long after their deadline
  std::uint64_t push_pulls = 0;         // completed (replies merged)
  std::uint64_t state_malformed = 0;    // state batches or sync messages that failed to decode
  std::uint64_t state_batches_in = 0;   // state delta batches merged
  std::uint64_t state_oversized_sent = 0;  // whole values sent over the stream channel
  std::uint64_t members_invalid = 0;    // packets or alive messages refused by member_check.hpp
  std::uint64_t members_capped = 0;     // new members refused by the intake limit (per sender)
  std::uint64_t stream_only_dropped = 0;   // push-pulls / state syncs that came over udp
  std::uint64_t push_pulls_limited = 0;    // requests over the per-source answer rate: dropped
  // The broadcast tree (tree.hpp).
  std::uint64_t tree_pushes_out = 0;    // push datagrams (values) to eager links
  std::uint64_t tree_ihaves_out = 0;    // announcement datagrams to lazy links
  std::uint64_t tree_grafts_out = 0;    // values asked for that the tree did not bring in time
  std::uint64_t tree_prunes_out = 0;    // eager links made lazy after a duplicate
  std::uint64_t tree_refused = 0;       // tree messages from a non-member or to a non-speaker
  std::uint64_t tree_values_in = 0;     // values new to us that a tree push brought
};

// A member as the engine holds it, by reference into its tables: valid until the engine is next
// called (other than through const accessors).
struct MemberView {
  const std::string& name;
  const Address& addr;
  std::uint64_t incarnation;
  MemberState state;
  const Meta& meta;
  Micros state_change;
};

class Engine {
 public:
  // Starts at incarnation identity.incarnation + 1 (a restart always announces a fresh one).
  // Idle until join() is called. `interner` holds the names, addresses, metadata and broadcast
  // parts; engines in one process (a simulator) may share one so each is stored once. Null:
  // the engine makes its own.
  Engine(Identity self, Config cfg, std::uint64_t seed,
         std::shared_ptr<Interner> interner = nullptr);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the timers and pushes/pulls state with every seed (stream channel), retried every
  // join_retry_interval until one answers; later, seeds not seen alive are retried every
  // seed_retry_interval so the halves of a healed partition merge. No seeds: a cluster of one.
  void join(Clock now, std::span<const Address> seeds, Outbox& out);
  // Instead of join(), for a simulator that starts from a running cluster rather than a join
  // storm: starts as a member of a cluster that is already formed and quiet. `members` (ids in
  // this engine's interner; ourselves, if listed, skipped) are alive at the given incarnations,
  // and each of them is taken to know us at ours, so nothing about them or us is gossiped and
  // no events are emitted (the caller knows whom it listed). Timers start staggered as in a
  // running cluster: the first push-pull within one scaled push-pull interval. `seeds` are
  // kept for the seed retry, as join() keeps them.
  struct FormedMember {
    std::uint32_t name;  // Interner::names id
    std::uint32_t card;  // Interner::cards id (address and metadata)
    std::uint64_t incarnation;
  };
  void start_formed(Clock now, std::span<const FormedMember> members,
                    std::span<const Address> seeds);
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

  // ---- Replicated state (see gossip/store.hpp). Local writes ride on the next packets as
  // deltas under their reserved share; values too large for that go whole over the stream
  // channel; push-pull repairs the rest by per-key versions.
  Version put(Clock now, std::string key, Bytes value);
  Version erase(Clock now, std::string key);
  const Store& state() const { return store_; }
  // Before join(): adopt a persisted snapshot (Store::snapshot bytes). Empty string when it
  // was accepted, otherwise what was wrong (the store then stays empty).
  std::string restore_state(Clock now, ByteView snapshot, HoldBack hold = HoldBack::automatic);

  // A hash over exactly the placement inputs: every member with incarnation, state and
  // metadata, the versions of live `spec/` keys, and our algorithm version. Equal view hashes
  // imply equal assignments. view_hash_hex() gives the 16 hex digits users see.
  std::uint64_t view_hash() const;
  std::string view_hash_hex() const;

  // Compact access, no copies: the member count (ourselves included), one member by name, and
  // every member in an order that is deterministic but not by name.
  std::size_t member_count() const { return slots_.size() - free_slots_.size(); }
  std::optional<MemberView> find_member(const std::string& name) const;
  template <typename F>
  void for_each_member(F&& f) const {
    for (const Slot& s : slots_)
      if (s.name != kFreeSlot) f(view_of(s));
  }
  // The same as a name-ordered map of copies, built on first use after a change (convenient
  // for a peer; a simulator of thousands of engines should use the compact accessors).
  // References stay valid while their member remains.
  const Members& members() const;  // includes ourselves
  const Member* member(const std::string& name) const;
  // Bytes this engine's own membership tables hold (slots, indexes, probe order, broadcast
  // queue; not the shared interner, the store or the members() copy), for measurement.
  std::size_t membership_footprint() const;
  const std::string& name() const { return self_.name; }
  std::uint64_t incarnation() const { return incarnation_; }  // node/ persists this
  // Lifeguard's local health score, 0 (healthy) .. awareness_max - 1; timeouts scale by score+1.
  int local_health() const { return health_; }
  bool joined() const { return joined_; }
  std::size_t live_members() const { return live_; }  // alive + suspect, ourselves included
  std::size_t pending_broadcasts() const { return broadcasts_.size(); }
  // The broadcast tree (tree.hpp): whether it carries per-peer values now, and its links.
  bool tree_active() const { return store_.tree_lane(); }
  std::size_t tree_links() const { return tree_.links.size(); }
  std::size_t tree_eager_links() const { return tree_.eager_count(); }
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
  // A reconnect attempt: a plain ping to a member we hold dead. Only its ack (by `deadline`)
  // earns that member our push-pull, so one really gone costs a small datagram, not a whole
  // member table and store digest.
  struct Reconnect {
    std::uint32_t seq = 0;  // 0: none in flight
    Address addr;
    Micros deadline = 0;
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
  void on_push_pull(Clock now, const Address& from, const wire::PushPullView& m,
                    std::span<const wire::RecordView> records, Outbox& out);
  void on_state_delta(Clock now, const wire::StateDeltaView& m);
  void on_state_sync(Clock now, const Address& from, const wire::StateSyncView& m, Outbox& out);
  // The broadcast tree (engine_tree.cpp, tree.hpp).
  void on_tree(Clock now, const wire::TreeView& m, std::span<const wire::TreeIdView> ids,
               Outbox& out);
  bool tree_on() const {
    return cfg_.tree_broadcast && legacy_live_ == 0 &&
           live_ >= static_cast<std::size_t>(cfg_.tree_min_members);
  }
  void tree_round(Clock now, Outbox& out);
  void tree_keep_links(Clock now);
  void tree_flush(Outbox& out);
  void tree_flush_link(const std::string& name, bool eager, Outbox& out);
  void tree_graft_missing(Clock now, Outbox& out);
  void tree_collect(const std::string& source);
  bool tree_link(const std::string& name, bool eager);
  void tree_note_missing(Clock now, const wire::TreeIdView& id, const std::string& from);
  void tree_answer_graft(const std::string& to, std::span<const wire::TreeIdView> ids,
                         Outbox& out);
  void tree_send(const std::string& to, const wire::Tree& m, Outbox& out);
  std::size_t tree_room() const;  // bytes of values or ids one tree datagram may carry
  // The store's encoded reply to an encoded push-pull step (none after the last step, or when
  // malformed: counted).
  std::optional<Bytes> handle_state_push_pull(Clock now, ByteView encoded);
  // An alive message (piggybacked, or a push-pull record). One that changes nothing (a member
  // we hold at that address with an incarnation at least as new) returns after one name
  // lookup, without copying or parsing anything.
  // `sender` (the host a packet came from; empty for our own calls) is held to the intake
  // limit when the message would add a member; `push_pull` picks the bucket. A member new to us
  // is re-gossiped unless `relay_new` is false (the records of our own join's push-pull).
  void alive_node(Clock now, const wire::AliveView& m, Outbox& out, std::string_view sender = {},
                  bool push_pull = false, bool relay_new = true);
  void suspect_node(Clock now, const wire::Suspect& m, Outbox& out);
  void dead_node(Clock now, const wire::Dead& m, Outbox& out);
  void refute(std::uint64_t seen, bool accused, Outbox& out);
  // A suspect or dead claim about an older life of ours: its sender missed our refutation (every
  // copy lost), and the others ignore a stale claim, so nothing else would correct it before a
  // push-pull. It gets our alive directly, at most once per probe interval.
  void answer_stale_claim(Clock now, const std::string& claimant, Outbox& out);
  // A datagram of any kind (ping, ack, gossip) from the address of a member we hold dead: it is
  // up and may never have heard the claim (its every copy lost, as across a partition), and an
  // alive at the same incarnation cannot undo it. Tell it, so it refutes, rather than wait for
  // its next ping or a push-pull; once per probe interval each (engine_dead_sender.cpp).
  void tell_dead_sender(Clock now, const Address& from, Outbox& out);
  // dead_at_ follows every slot that enters or leaves `dead`, or changes address while dead.
  void index_dead(std::uint32_t slot, bool add);
  // True (and `name` noted at `now`) unless `name` was noted within the last probe interval.
  bool once_per_probe(std::map<std::string, Micros>& sent, const std::string& name, Micros now);
  void emit_state_changes(Outbox& out);

  // Timers.
  void keep_seeds(std::span<const Address> seeds);  // seeds_: distinct, not ourselves
  void start_timers(Clock now);
  void start_probe(Clock now, Outbox& out);
  void probe_direct_timeout(Clock now, Outbox& out);
  void probe_failed(Clock now, Outbox& out);
  void gossip_round(Clock now, Outbox& out);
  void push_pull_to(const Address& to, bool join, Outbox& out);
  void start_reconnect(Clock now, std::uint32_t slot, Outbox& out);
  void note_delta_queue(Clock now);
  void note_member_queue(Clock now);
  void join_catch_up(Clock now);
  void send_oversized(Clock now, Outbox& out);
  // Piggybacked updates for `room` bytes: membership and state each get their reserved share.
  // Adds them to `packet`; returns how many.
  std::size_t piggyback(std::size_t room, std::size_t max_parts, wire::PacketBuilder& packet);
  void forget_expired(Clock now, Outbox& out);
  void handle_stall(Clock now);
  // handle_tick's timer handlers (engine_timers.cpp), each run when its deadline has passed.
  void expire_suspicions(Clock now, Outbox& out);
  void expire_relays(Micros t, Outbox& out);
  void tick_probe(Clock now, Outbox& out);
  void gossip_timer(Clock now, Outbox& out);
  void cold_start_timer(Clock now);
  void state_sync_timer(Micros t, Outbox& out);
  void push_pull_timer(Clock now, Outbox& out);
  void join_retry_timer(Micros t, Outbox& out);
  void seed_retry_timer(Micros t, Outbox& out);
  void reconnect_timer(Clock now, Outbox& out);

  // Helpers.
  void send_udp(const Address& to, Bytes part, Outbox& out);  // with piggybacked updates
  void send_raw(const Address& to, Channel ch, Bytes bytes, Outbox& out);
  // An answer to a stream message from `to`: on its connection only (Datagram::reply).
  void send_reply(const Address& to, Bytes bytes, Outbox& out);
  // Whether a push-pull or state sync from `from` may be handled now (the per-host rate).
  bool may_answer(Clock now, const Address& from);
  void broadcast_alive_self();
  void set_state(std::uint32_t slot, MemberState s, Micros now);
  void emit(Outbox& out, EventKind k, std::uint32_t slot, std::string from = {});
  std::size_t live_count() const { return live_; }  // alive + suspect, ourselves included
  Micros scaled(Micros t) const;
  void add_health(int delta);
  void start_suspicion(Clock now, const std::string& name, const std::string& from);
  // Up to k distinct members other than ourselves and `exclude` (a slot or kNoSlot): live ones,
  // and with include_recent_dead the dead within gossip_to_the_dead.
  std::vector<std::uint32_t> pick_random(std::size_t k, std::uint32_t exclude, Micros now,
                                         bool include_recent_dead);
  // Our member table as an encoded push-pull message carrying `state` (no copies of records).
  Bytes encode_local_state(bool join, bool reply, const Bytes& state) const;
  // The interned card of an alive message, with one reference: found by its bytes when held,
  // parsed only when new.
  std::uint32_t acquire_card(const wire::AliveView& a);
  // Whether encoded metadata `meta` is the value `card` holds.
  static bool same_meta(const Card& card, ByteView meta);
  // Queues the alive message about slot `i` as it stands (its card's encoded metadata copied).
  void push_alive(std::uint32_t i, std::uint64_t incarnation);
  static StoreConfig store_config(const Config& cfg);

  // ---- The member table: one compact slot per member, names/addresses/metadata interned.
  static constexpr std::uint32_t kFreeSlot = UINT32_MAX;
  static constexpr std::uint32_t kNoSlot = UINT32_MAX;
  struct Slot {  // 24 bytes
    std::uint32_t name = kFreeSlot;  // interned name id; kFreeSlot: unused
    std::uint32_t card = 0;          // interned (address, metadata) id
    std::uint64_t incarnation = 0;
    std::uint64_t bits = 0;          // state_change (56 bits, two's complement) << 8 | state
    MemberState state() const { return static_cast<MemberState>(bits & 0xff); }
    Micros state_change() const { return static_cast<Micros>(bits) >> 8; }
    void set(MemberState s, Micros t) {
      bits = (static_cast<std::uint64_t>(t) << 8) | static_cast<std::uint8_t>(s);
    }
  };
  std::uint32_t find_slot(std::string_view name) const;
  std::uint32_t slot_of_name_id(std::uint32_t id) const {
    return id < slot_of_name_.size() ? slot_of_name_[id] : kNoSlot;  // kNone is past the end
  }
  // `name_id` is the name's interned id if the caller knows it (else Interner::kNone); `card`
  // is an interned card id whose reference the new slot takes over.
  std::uint32_t add_slot(std::string_view name, std::uint32_t name_id, std::uint32_t card,
                         std::uint64_t incarnation, MemberState state, Micros now);
  void drop_slot(std::uint32_t slot);
  // Gives slot a card (taking over the caller's reference to it).
  void set_slot_card(std::uint32_t slot, std::uint32_t card);
  void set_incarnation(std::uint32_t slot, std::uint64_t incarnation);
  // A member's part of the view hash: name, incarnation, state and metadata. Every change to
  // one of them goes through add_slot, drop_slot, set_slot_card, set_incarnation or set_state,
  // which keep members_digest_ (the sum over all slots) exact.
  std::uint64_t digest_of(const Slot& s) const;
  const std::string& name_of(const Slot& s) const { return interner_->names[s.name]; }
  const Address& addr_of(const Slot& s) const { return interner_->cards[s.card].addr; }
  const Meta& meta_of(const Slot& s) const { return interner_->cards[s.card].meta; }
  const Card& card_of(const Slot& s) const { return interner_->cards[s.card]; }
  MemberView view_of(const Slot& s) const {
    return MemberView{name_of(s), addr_of(s), s.incarnation, s.state(), meta_of(s),
                      s.state_change()};
  }
  Member to_member(const Slot& s) const;
  void changed() {
    members_dirty_ = true;
    ++member_changes_;
  }

  Identity self_;
  Config cfg_;
  Rng rng_;
  std::uint64_t incarnation_;
  std::shared_ptr<Interner> interner_;  // before everything that holds ids in it
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<std::uint32_t> slot_of_name_;  // by interned name id; kNoSlot when not a member
  std::uint32_t self_slot_ = 0;
  std::size_t live_ = 0;                     // alive + suspect, ourselves included
  // Live members that do not speak the broadcast tree: while any, the epidemic carries all.
  std::size_t legacy_live_ = 0;
  bool legacy(const Slot& s) const { return is_live(s.state()) && !meta_of(s).tree_broadcast; }
  std::uint64_t members_digest_ = 0;         // sum of digest_of over the slots (view_hash)
  // Dead and left members by (state change, slot): forgetting, reconnects, recent dead.
  std::set<std::pair<Micros, std::uint32_t>> departed_;
  mutable Members members_copy_;
  mutable bool members_dirty_ = true;
  std::uint64_t member_changes_ = 0;  // bumped by changed(): the tree rechecks its links then
  std::map<std::string, Suspicion> suspicions_;
  std::map<std::string, Micros> stale_answered_;  // claimant -> when we last answered it
  std::map<std::string, Micros> dead_told_;       // member held dead -> when we last told it
  // The dead members by a hash of their address (tell_dead_sender's lookup per datagram; one
  // entry per dead member, so bounded by the member table; collisions checked on lookup).
  std::unordered_multimap<std::uint64_t, std::uint32_t> dead_at_;
  std::map<std::uint32_t, Relay> relays_;  // by our sequence number: deadlines ascend with it
  BroadcastQueue broadcasts_;
  Bytes part_scratch_;  // push_alive's encoding, kept to spare an allocation per broadcast
  Store store_;
  std::vector<std::uint32_t> probe_order_;  // slots
  std::size_t probe_index_ = 0;
  Probe probe_;
  Reconnect reconnect_;
  std::uint32_t next_seq_ = 1;
  int health_ = 0;

  bool started_ = false;
  bool joined_ = false;
  bool leaving_ = false;
  std::vector<Address> seeds_;
  std::vector<std::uint32_t> seed_slots_;  // by seed: the slot that held it when last seen
  Micros next_probe_ = kNever;
  Micros next_gossip_ = kNever;
  Micros next_push_pull_ = kNever;
  Micros next_join_retry_ = kNever;
  Micros next_seed_retry_ = kNever;
  Micros next_reconnect_ = kNever;
  Micros next_cold_start_ = kNever;
  // State repair after a burst: when our delta queue drains, one state-only push-pull with a
  // random member soon (at most once per scaled push-pull interval), so a (key, peer) pair the
  // epidemic missed is repaired in about a probe interval instead of a push-pull interval.
  bool deltas_queued_ = false;
  Micros next_state_sync_ = kNever;
  Micros last_state_sync_ = kNever;  // kNever: none yet
  // Member repair after a backlog: a join storm outruns the gossip budget, so some member misses
  // some joins. When our member queue drains after holding more than a gossip round carries,
  // one push-pull with a random member soon (at most once per scaled push-pull interval).
  bool members_backlogged_ = false;
  Micros last_member_repair_ = kNever;  // kNever: none yet
  // A catch-up after our join (join_catch_up): armed at most once a join.
  Micros joined_at_ = kNever;
  bool catch_up_armed_ = false;
  ReplyLimiter reply_limiter_;
  Stats stats_;
  IntakeLimit intake_;  // new members per sender (intake_limit.hpp)
  BroadcastTree tree_;
};

}  // namespace shoal::gossip
