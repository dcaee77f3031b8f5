#include "gossip/engine.hpp"

#include <algorithm>
#include <cassert>

#include <sodium.h>

#include "gossip/digest.hpp"
#include "gossip/growth.hpp"
#include "gossip/member_check.hpp"
#include "gossip/suspicion.hpp"
#include "gossip/wire.hpp"

namespace shoal::gossip {

namespace {
bool is_live(MemberState s) { return s == MemberState::alive || s == MemberState::suspect; }
}  // namespace

Engine::Engine(Identity self, Config cfg, std::uint64_t seed, std::shared_ptr<Interner> interner)
    : self_(std::move(self)), cfg_(std::move(cfg)), rng_(seed),
      incarnation_(self_.incarnation + 1),
      interner_(interner ? std::move(interner) : std::make_shared<Interner>()),
      broadcasts_(interner_.get()), store_(self_.name, store_config(cfg_)),
      reply_limiter_(cfg_.push_pull_reply_burst, cfg_.push_pull_reply_interval) {
  self_slot_ = add_slot(self_.name, Interner::kNone,
                        interner_->cards.acquire(self_.addr, self_.meta), incarnation_,
                        MemberState::alive, 0);
}

Engine::~Engine() {
  broadcasts_.clear();
  for (const Slot& s : slots_)  // only the shared references: nothing else outlives us
    if (s.name != kFreeSlot) {
      interner_->names.release(s.name);
      interner_->cards.release(s.card);
    }
}

// ---- the member table ---------------------------------------------------------------------------

std::uint32_t Engine::find_slot(std::string_view name) const {
  return slot_of_name_id(interner_->names.find(name));
}

std::uint32_t Engine::add_slot(std::string_view name, std::uint32_t name_id, std::uint32_t card,
                               std::uint64_t incarnation, MemberState state, Micros now) {
  std::uint32_t i;
  if (!free_slots_.empty()) {
    i = free_slots_.back();
    free_slots_.pop_back();
  } else {
    i = static_cast<std::uint32_t>(slots_.size());
    if (slots_.size() == slots_.capacity()) {
      // Engines sharing an interner (a simulator) come to hold about every name it holds:
      // grow to that at once rather than an eighth at a time, copying the table once or
      // twice instead of dozens of times. Alone, names.live() is our own member count.
      reserve_gently(slots_, std::max(slots_.size() + 1, interner_->names.live()));
      broadcasts_.reserve(slots_.capacity());
      probe_order_.reserve(slots_.capacity());
    }
    slots_.emplace_back();
  }
  Slot& s = slots_[i];
  if (name_id != Interner::kNone) interner_->names.retain(name_id);
  else name_id = interner_->names.acquire(name);
  s.name = name_id;
  s.card = card;
  s.incarnation = incarnation;
  s.set(state, now);
  if (s.name >= slot_of_name_.size()) {
    reserve_gently(slot_of_name_, interner_->names.bound());
    slot_of_name_.resize(interner_->names.bound(), kNoSlot);
  }
  slot_of_name_[s.name] = i;
  members_digest_ += digest_of(s);
  if (is_live(state)) ++live_;
  else departed_.emplace(now, i);
  changed();
  return i;
}

void Engine::drop_slot(std::uint32_t i) {
  Slot& s = slots_[i];
  if (is_live(s.state())) --live_;
  else departed_.erase({s.state_change(), i});
  broadcasts_.remove(i);
  members_digest_ -= digest_of(s);
  slot_of_name_[s.name] = kNoSlot;
  interner_->names.release(s.name);
  interner_->cards.release(s.card);
  s = Slot{};
  free_slots_.push_back(i);
  changed();
}

void Engine::set_slot_card(std::uint32_t i, std::uint32_t card) {
  Slot& s = slots_[i];
  // Cards are interned by value: the same id is the same address and metadata.
  if (s.card == card) {
    interner_->cards.release(card);  // the caller's reference: the slot holds one already
    return;
  }
  members_digest_ -= digest_of(s);  // before the release: it may clear the old card
  interner_->cards.release(s.card);
  s.card = card;
  members_digest_ += digest_of(s);
  changed();
}

void Engine::set_incarnation(std::uint32_t i, std::uint64_t incarnation) {
  Slot& s = slots_[i];
  members_digest_ -= digest_of(s);
  s.incarnation = incarnation;
  members_digest_ += digest_of(s);
}

std::uint64_t Engine::digest_of(const Slot& s) const {
  // Not cryptographic: views must differ by accident with probability ~2^-64 only. Mixed
  // non-linearly so that no exchange of parts between members keeps the sum.
  const std::uint64_t inner = mix64((s.incarnation << 3) ^ static_cast<std::uint64_t>(s.state()) ^
                                    0x5851f42d4c957f2dULL);
  return mix64(interner_->name_digest(s.name) + mix64(interner_->cards.meta_digest(s.card) ^ inner));
}

std::uint32_t Engine::acquire_card(const wire::AliveView& a) {
  const std::uint32_t id = interner_->cards.find(a.host, a.port, a.meta);
  if (id != CardTable::kNone) {
    interner_->cards.retain(id);
    return id;
  }
  Meta meta;
  wire::decode_meta(a.meta, meta);  // validated by decode_view
  if (!valid_meta_text(meta)) return CardTable::kNone;  // not UTF-8: refused (member_check.hpp)
  return interner_->cards.acquire(Address{std::string(a.host), a.port}, meta);
}

bool Engine::same_meta(const Card& card, ByteView meta) {
  if (meta.size() == card.meta_bytes.size() &&
      std::equal(meta.begin(), meta.end(), reinterpret_cast<const std::byte*>(card.meta_bytes.data())))
    return true;
  Meta m;  // the same value may be encoded another way (not by Shoal): compare values
  return wire::decode_meta(meta, m) && m == card.meta;
}

void Engine::push_alive(std::uint32_t i, std::uint64_t incarnation) {
  const Slot& s = slots_[i];
  // The same alive is queued by every engine that hears it: found by what it is made of.
  const AliveParts::Key key{s.name, interner_->names.generation(s.name), s.card,
                            interner_->cards.generation(s.card), incarnation};
  const std::uint32_t known = interner_->alive_parts.find(key);
  if (known != AliveParts::kNone) {
    interner_->parts.retain(known);
    broadcasts_.push_interned(i, known);
    return;
  }
  const Card& c = card_of(s);
  part_scratch_.clear();
  wire::append_alive_part(name_of(s), c.addr, incarnation, c.meta_bytes, part_scratch_);
  interner_->alive_parts.insert(key, broadcasts_.push(i, part_scratch_));
}

Member Engine::to_member(const Slot& s) const {
  return Member{name_of(s), addr_of(s), s.incarnation, s.state(), meta_of(s), s.state_change()};
}

std::optional<MemberView> Engine::find_member(const std::string& name) const {
  const std::uint32_t i = find_slot(name);
  if (i == kNoSlot) return std::nullopt;
  return view_of(slots_[i]);
}

const Members& Engine::members() const {
  if (!members_dirty_) return members_copy_;
  for (auto it = members_copy_.begin(); it != members_copy_.end();)
    it = find_slot(it->first) == kNoSlot ? members_copy_.erase(it) : std::next(it);
  for (const Slot& s : slots_)
    if (s.name != kFreeSlot) members_copy_[name_of(s)] = to_member(s);
  members_dirty_ = false;
  return members_copy_;
}

const Member* Engine::member(const std::string& name) const {
  const std::uint32_t i = find_slot(name);
  if (i == kNoSlot) return nullptr;
  // The copy stays exact: this member's entry is brought up to date (the rest of the copy is
  // either up to date or marked dirty).
  Member& m = members_copy_[name];
  m = to_member(slots_[i]);
  return &m;
}

std::size_t Engine::membership_footprint() const {
  return slots_.capacity() * sizeof(Slot) + free_slots_.capacity() * 4 +
         slot_of_name_.capacity() * 4 + probe_order_.capacity() * 4 +
         departed_.size() * (sizeof(std::pair<Micros, std::uint32_t>) + 32) +
         broadcasts_.footprint();
}

// ---- public entry points ----------------------------------------------------------------------

void Engine::keep_seeds(std::span<const Address> seeds) {
  seeds_.clear();
  seed_slots_.clear();
  for (const auto& s : seeds)
    if (s != self_.addr && std::find(seeds_.begin(), seeds_.end(), s) == seeds_.end())
      seeds_.push_back(s);
}

void Engine::join(Clock now, std::span<const Address> seeds, Outbox& out) {
  keep_seeds(seeds);
  start_timers(now);
  broadcast_alive_self();
  if (store_.holding_back()) next_cold_start_ = now.mono + cfg_.cold_start_after;
  if (seeds_.empty()) {
    joined_ = true;
    return;
  }
  // One seed first: its answer is the whole membership, and each further one would be the same
  // again (at 10,000 members, 10,000 records each). Retries go to every seed.
  push_pull_to(seeds_[rng_.below(seeds_.size())], true, out);
  next_join_retry_ = now.mono + cfg_.join_retry_interval;
}

void Engine::start_formed(Clock now, std::span<const FormedMember> members,
                          std::span<const Address> seeds) {
  if (started_) return;
  keep_seeds(seeds);
  reserve_gently(slots_, slots_.size() + members.size());
  for (const FormedMember& m : members) {
    if (m.name == slots_[self_slot_].name || slot_of_name_id(m.name) != kNoSlot) continue;
    interner_->cards.retain(m.card);  // the slot takes this reference over
    add_slot({}, m.name, m.card, m.incarnation, MemberState::alive, now.mono);
  }
  start_timers(now);
  // A running cluster's periodic exchanges are spread evenly over their intervals (started
  // together, 10,000 peers would all push-pull their dead at the same instant).
  const Micros gap = push_pull_scale(cfg_.push_pull_interval, live_count());
  next_push_pull_ = now.mono + rng_.between(0, gap - 1);
  next_seed_retry_ = now.mono + rng_.between(0, cfg_.seed_retry_interval - 1);
  next_reconnect_ = now.mono + rng_.between(0, cfg_.reconnect_interval - 1);
  if (store_.holding_back()) next_cold_start_ = now.mono + cfg_.cold_start_after;
  joined_ = true;
}

void Engine::leave(Clock now, Outbox& out) {
  if (leaving_) return;
  leaving_ = true;
  set_state(self_slot_, MemberState::left, now.mono);
  wire::Dead d{self_.name, incarnation_, self_.name};
  Bytes part = wire::encode_part(d);
  broadcasts_.push(self_slot_, part);
  // Tell a few members at once; the queue keeps gossiping it while the caller ticks.
  auto targets = pick_random(static_cast<std::size_t>(cfg_.gossip_nodes) * 2, kNoSlot,
                             now.mono, false);
  for (std::uint32_t t : targets) send_udp(addr_of(slots_[t]), part, out);
  probe_ = Probe{};
  reconnect_ = Reconnect{};
  next_probe_ = kNever;
  next_push_pull_ = kNever;
  next_join_retry_ = next_seed_retry_ = next_reconnect_ = kNever;
}

bool Engine::set_meta(Clock now, const Meta& meta, Outbox& out) {
  (void)now;
  (void)out;
  if (wire::meta_size(meta) > cfg_.max_meta_bytes) return false;
  self_.meta = meta;
  ++incarnation_;
  set_slot_card(self_slot_, interner_->cards.acquire(self_.addr, meta));
  set_incarnation(self_slot_, incarnation_);
  changed();
  broadcast_alive_self();
  return true;
}

void Engine::handle_packet(Clock now, const Address& from, Channel channel,
                           std::span<const std::byte> bytes, Outbox& out) {
  ++stats_.packets_in;
  wire::PacketView packet;
  if (!wire::decode_view(bytes, packet)) {
    ++stats_.packets_malformed;
    return;
  }
  if (!check_members(packet)) {  // a bad name or a non-IP address: the whole packet goes
    ++stats_.packets_malformed;
    ++stats_.members_invalid;
    return;
  }
  const std::span<const wire::RecordView> records(packet.records);
  for (const auto& msg : packet.messages) {
    ++stats_.messages_in;
    std::visit(
        [&](const auto& m) {
          using T = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<T, wire::Ping>) on_ping(now, from, channel, m, out);
          else if constexpr (std::is_same_v<T, wire::IndirectPing>) on_indirect_ping(now, from, m, out);
          else if constexpr (std::is_same_v<T, wire::Ack>) on_ack(now, m, out);
          else if constexpr (std::is_same_v<T, wire::Nack>) on_nack(m);
          else if constexpr (std::is_same_v<T, wire::AliveView>) alive_node(now, m, out, from.host);
          else if constexpr (std::is_same_v<T, wire::Suspect>) suspect_node(now, m, out);
          else if constexpr (std::is_same_v<T, wire::Dead>) dead_node(now, m, out);
          else if constexpr (std::is_same_v<T, wire::PushPullView>) {
            if (channel != Channel::stream) ++stats_.stream_only_dropped;
            else if (may_answer(now, from))
              on_push_pull(now, from, m, records.subspan(m.first, m.count), out);
          } else if constexpr (std::is_same_v<T, wire::StateDeltaView>) on_state_delta(now, m);
          else if constexpr (std::is_same_v<T, wire::StateSyncView>) {
            if (channel != Channel::stream) ++stats_.stream_only_dropped;
            else if (may_answer(now, from)) on_state_sync(now, from, m, out);
          }
        },
        msg);
  }
  note_delta_queue(now);
  emit_state_changes(out);
}

void Engine::emit_state_changes(Outbox& out) {
  for (std::string& key : store_.take_changed()) {
    Event e;
    e.kind = EventKind::state_changed;
    e.name = std::move(key);
    out.events.push_back(std::move(e));
  }
}

Micros Engine::next_deadline() const {
  if (!started_) return kNever;
  Micros d = std::min({next_gossip_, next_push_pull_, next_join_retry_, next_seed_retry_,
                       next_reconnect_, next_cold_start_, next_state_sync_});
  // One probe at a time: the next starts when the one in flight has its verdict.
  if (probe_.active) d = std::min(d, probe_.indirect_sent ? probe_.end_deadline
                                                          : probe_.direct_deadline);
  else d = std::min(d, next_probe_);
  // Relays and suspicions are few (in flight / suspected right now); departed members are
  // ordered by the time they departed, so the first is the next to be forgotten.
  for (const auto& [seq, r] : relays_) d = std::min(d, r.deadline);
  for (const auto& [name, s] : suspicions_) d = std::min(d, s.deadline);
  for (const auto& [since, slot] : departed_) {
    if (slot == self_slot_) continue;
    d = std::min(d, since + cfg_.reconnect_timeout);
    break;
  }
  return d;
}

void Engine::handle_tick(Clock now, Outbox& out) {
  if (!started_) return;
  const Micros t = now.mono;
  const Micros due = next_deadline();
  if (due != kNever && t - due > cfg_.stall_threshold) handle_stall(now);

  // Suspicion timers: suspect -> dead.
  std::vector<std::string> expired;
  for (const auto& [name, s] : suspicions_)
    if (s.deadline <= t) expired.push_back(name);
  for (const auto& name : expired) {
    const std::uint32_t i = find_slot(name);
    if (i == kNoSlot || slots_[i].state() != MemberState::suspect) {
      suspicions_.erase(name);
      continue;
    }
    dead_node(now, wire::Dead{name, slots_[i].incarnation, self_.name}, out);
  }

  // Relayed indirect pings that got no answer: nack the requester.
  for (auto it = relays_.begin(); it != relays_.end();) {
    if (it->second.deadline <= t) {
      if (it->second.nack) send_udp(it->second.requester, wire::encode_part(wire::Nack{it->second.seq}), out);
      it = relays_.erase(it);
    } else {
      ++it;
    }
  }

  // The probe in flight, then the next one.
  if (probe_.active && !probe_.indirect_sent && t >= probe_.direct_deadline)
    probe_direct_timeout(now, out);
  if (probe_.active && probe_.indirect_sent && t >= probe_.end_deadline) probe_failed(now, out);
  if (!probe_.active && t >= next_probe_) {
    next_probe_ = t + scaled(cfg_.probe_interval);
    start_probe(now, out);
  }

  if (t >= next_gossip_) {
    next_gossip_ = std::max(next_gossip_ + cfg_.gossip_interval, t + 1);
    if (next_gossip_ < t) next_gossip_ = t + cfg_.gossip_interval;
    gossip_round(now, out);
    send_oversized(now, out);
  }

  if (t >= next_cold_start_) {
    next_cold_start_ = kNever;
    // Nobody authoritative answered since join(): a whole-cluster cold start.
    if (store_.holding_back()) store_.on_cold_start(now.wall);
  }

  if (t >= next_state_sync_) {
    next_state_sync_ = kNever;
    last_state_sync_ = t;
    auto peers = pick_random(1, kNoSlot, t, false);
    if (!peers.empty())
      send_raw(addr_of(slots_[peers[0]]), Channel::stream,
               wire::encode(wire::StateSync{store_.encode_request()}), out);
  }

  if (t >= next_push_pull_) {
    next_push_pull_ = t + push_pull_scale(cfg_.push_pull_interval, live_count());
    store_.collect_garbage(now.wall);  // tombstones past tombstone_ttl
    auto peers = pick_random(1, kNoSlot, t, false);
    if (!peers.empty()) push_pull_to(addr_of(slots_[peers[0]]), false, out);
  }

  if (t >= next_join_retry_) {
    if (joined_) {
      next_join_retry_ = kNever;
    } else {
      next_join_retry_ = t + cfg_.join_retry_interval;
      for (const auto& s : seeds_) push_pull_to(s, true, out);
    }
  }

  if (t >= next_seed_retry_) {
    next_seed_retry_ = t + cfg_.seed_retry_interval;
    std::vector<Address> unseen;
    seed_slots_.resize(seeds_.size(), kNoSlot);
    for (std::size_t k = 0; k < seeds_.size(); ++k) {
      // The slot that held this seed last time is checked first: a scan of every member per
      // seed only when the seed moved or is not seen.
      auto holds = [&](std::uint32_t i) {
        return i < slots_.size() && slots_[i].name != kFreeSlot && is_live(slots_[i].state()) &&
               addr_of(slots_[i]) == seeds_[k];
      };
      if (holds(seed_slots_[k])) continue;
      seed_slots_[k] = kNoSlot;
      for (std::uint32_t i = 0; i < slots_.size(); ++i)
        if (holds(i)) {
          seed_slots_[k] = i;
          break;
        }
      if (seed_slots_[k] == kNoSlot) unseen.push_back(seeds_[k]);
    }
    if (!unseen.empty()) push_pull_to(unseen[rng_.below(unseen.size())], false, out);
  }

  if (t >= next_reconnect_) {
    next_reconnect_ = t + cfg_.reconnect_interval;
    std::vector<std::uint32_t> dead;
    for (const auto& [since, slot] : departed_)
      if (slots_[slot].state() == MemberState::dead) dead.push_back(slot);
    if (!dead.empty()) start_reconnect(now, dead[rng_.below(dead.size())], out);
  }

  forget_expired(now, out);
  note_delta_queue(now);
  emit_state_changes(out);
}

void Engine::note_delta_queue(Clock now) {
  if (store_.pending_deltas() > 0) {
    deltas_queued_ = true;
    return;
  }
  if (!deltas_queued_ || leaving_ || !started_) return;
  deltas_queued_ = false;  // drained: every delta we held has had its transmits
  if (next_state_sync_ != kNever) return;
  const Micros gap = push_pull_scale(cfg_.push_pull_interval, live_count());
  if (last_state_sync_ != kNever && now.mono - last_state_sync_ < gap) return;
  next_state_sync_ = now.mono + rng_.between(0, cfg_.probe_interval);
}

Version Engine::put(Clock now, std::string key, Bytes value) {
  return store_.put(now.wall, std::move(key), std::move(value));
}

Version Engine::erase(Clock now, std::string key) { return store_.erase(now.wall, std::move(key)); }

std::string Engine::restore_state(Clock now, ByteView snapshot, HoldBack hold) {
  auto restored = Store::restore(snapshot, self_.name, store_config(cfg_), now.wall, hold);
  if (!restored) return restored.error();
  store_ = std::move(*restored);
  return {};
}

StoreConfig Engine::store_config(const Config& cfg) {
  StoreConfig sc;
  sc.max_clock_skew_us = cfg.max_clock_skew;
  sc.tombstone_ttl_us = cfg.tombstone_ttl;
  // The largest entry that always fits in the state share of a packet carrying a probe; larger
  // ones travel whole over the stream channel.
  const std::size_t room = cfg.packet_budget - wire::kCompoundHeader - 64;
  const std::size_t share = room * static_cast<std::size_t>(cfg.state_share_percent) / 100;
  sc.max_delta_bytes = share - 3 - wire::kStatePartOverhead;
  return sc;
}

namespace {
void put_u64(Bytes& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(std::byte((v >> (8 * i)) & 0xff));
}
void put_str(Bytes& b, const std::string& s) {
  put_u64(b, s.size());
  for (char c : s) b.push_back(std::byte(static_cast<unsigned char>(c)));
}
}  // namespace

std::uint64_t Engine::view_hash() const {
  // The members enter as a sum of per-member digests kept up to date by every change (O(1) to
  // read, no sort: a simulator compares 10,000 engines' hashes every 100 ms); the spec versions
  // as they stand. Same inputs -> the same hash on every peer and platform.
  assert(members_digest_ == [&] {
    std::uint64_t sum = 0;
    for (const Slot& m : slots_)
      if (m.name != kFreeSlot) sum += digest_of(m);
    return sum;
  }());
  Bytes in;
  put_u64(in, 2);  // the layout version of this hash input
  put_u64(in, self_.meta.algorithm_version);
  put_u64(in, member_count());
  put_u64(in, members_digest_);
  auto specs = store_.spec_versions();  // ordered by key
  put_u64(in, specs.size());
  for (const auto& [key, v] : specs) {
    put_str(in, key);
    put_u64(in, v.hlc);
    put_str(in, v.origin);
  }
  unsigned char out[8];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(in.data()),
                     in.size(), nullptr, 0);
  std::uint64_t h = 0;
  for (int i = 7; i >= 0; --i) h = (h << 8) | out[i];  // little-endian
  return h;
}

std::string Engine::view_hash_hex() const {
  static const char* kHex = "0123456789abcdef";
  std::uint64_t h = view_hash();
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, h >>= 4) s[static_cast<std::size_t>(i)] = kHex[h & 0xf];
  return s;
}

// ---- timers -------------------------------------------------------------------------------------

void Engine::start_timers(Clock now) {
  if (started_) return;
  started_ = true;
  const Micros t = now.mono;
  // Stagger the first probe and gossip so peers started together do not move in lock step.
  next_probe_ = t + rng_.between(0, cfg_.probe_interval - 1);
  next_gossip_ = t + rng_.between(0, cfg_.gossip_interval - 1);
  next_push_pull_ = t + cfg_.push_pull_interval + rng_.between(0, cfg_.push_pull_interval - 1);
  next_seed_retry_ = t + cfg_.seed_retry_interval;
  next_reconnect_ = t + cfg_.reconnect_interval;
}

void Engine::handle_stall(Clock now) {
  ++stats_.stalls;
  if (!cfg_.lifeguard) return;  // plain SWIM acts on its stale timers
  add_health(1);
  // Our clock jumped: what we were waiting for may have arrived while we were stopped. Re-arm
  // every suspicion from now, drop the probe in flight and our relays without a verdict.
  for (auto& [name, s] : suspicions_) {
    s.start = now.mono;
    s.deadline = now.mono + suspicion_timeout(s.min, s.max, s.k,
                                              static_cast<int>(s.confirmations.size()));
  }
  probe_ = Probe{};
  relays_.clear();
  if (next_probe_ != kNever) next_probe_ = now.mono;
}

void Engine::start_probe(Clock now, Outbox& out) {
  if (leaving_) return;
  std::uint32_t target = kNoSlot;
  for (int pass = 0; pass < 2 && target == kNoSlot; ++pass) {
    while (probe_index_ < probe_order_.size()) {
      const std::uint32_t i = probe_order_[probe_index_++];
      // Slots freed (and maybe reused) since the shuffle are checked here, not removed there.
      if (i < slots_.size() && i != self_slot_ && slots_[i].name != kFreeSlot &&
          is_live(slots_[i].state())) {
        target = i;
        break;
      }
    }
    if (target == kNoSlot) {  // end of the list: rebuild and reshuffle
      probe_order_.clear();
      probe_order_.reserve(live_);
      for (std::uint32_t i = 0; i < slots_.size(); ++i)
        if (i != self_slot_ && slots_[i].name != kFreeSlot && is_live(slots_[i].state()))
          probe_order_.push_back(i);
      rng_.shuffle(probe_order_);
      probe_index_ = 0;
    }
  }
  if (target == kNoSlot) return;
  const Slot& ts = slots_[target];
  ++stats_.probes;
  probe_ = Probe{};
  probe_.active = true;
  probe_.seq = next_seq_++;
  probe_.target = name_of(ts);
  probe_.addr = addr_of(ts);
  probe_.start = now.mono;
  probe_.direct_deadline = now.mono + scaled(cfg_.probe_timeout);
  wire::Ping ping{probe_.seq, probe_.target, self_.name, self_.addr};
  if (cfg_.lifeguard && ts.state() == MemberState::suspect) {
    // Buddy system: tell the suspect so it can refute at once.
    const Bytes parts[] = {wire::encode_part(ping),
                           wire::encode_part(wire::Suspect{probe_.target, ts.incarnation,
                                                           self_.name})};
    std::size_t used = wire::kCompoundHeader + wire::compound_overhead(parts[0].size()) +
                       wire::compound_overhead(parts[1].size());
    wire::PacketBuilder packet;
    packet.add(parts[0]);
    packet.add(parts[1]);
    piggyback(cfg_.packet_budget - used, wire::kMaxCompoundParts - 2, packet);
    send_raw(probe_.addr, Channel::udp, packet.finish(), out);
  } else {
    send_udp(probe_.addr, wire::encode_part(ping), out);
  }
}

void Engine::probe_direct_timeout(Clock now, Outbox& out) {
  probe_.indirect_sent = true;
  auto relays = pick_random(static_cast<std::size_t>(cfg_.indirect_checks),
                            find_slot(probe_.target), now.mono, false);
  for (std::uint32_t r : relays) {
    wire::IndirectPing ip{probe_.seq, probe_.target, probe_.addr, cfg_.lifeguard, self_.name};
    send_udp(addr_of(slots_[r]), wire::encode_part(ip), out);
  }
  probe_.expected_nacks = cfg_.lifeguard ? static_cast<int>(relays.size()) : 0;
  if (cfg_.stream_ping) {
    wire::Ping ping{probe_.seq, probe_.target, self_.name, self_.addr};
    send_raw(probe_.addr, Channel::stream, wire::encode(ping), out);
  }
  // Wait to the end of the probe interval, and long enough for relays' nacks to come back.
  probe_.end_deadline = std::max(probe_.start + scaled(cfg_.probe_interval),
                                 now.mono + cfg_.probe_timeout + cfg_.probe_timeout / 2);
}

void Engine::probe_failed(Clock now, Outbox& out) {
  Probe p = probe_;
  probe_ = Probe{};
  ++stats_.probes_failed;
  if (cfg_.lifeguard) {
    // Missed nacks mean our own links (or we) are the likely problem.
    if (p.expected_nacks > 0) add_health(std::max(0, p.expected_nacks - p.nacks));
    else add_health(1);
  }
  const std::uint32_t i = find_slot(p.target);
  if (i == kNoSlot || !is_live(slots_[i].state()) || addr_of(slots_[i]) != p.addr) return;
  ++stats_.suspicions_raised;
  suspect_node(now, wire::Suspect{p.target, slots_[i].incarnation, self_.name}, out);
  if (next_probe_ < now.mono) next_probe_ = now.mono;
}

void Engine::gossip_round(Clock now, Outbox& out) {
  if (broadcasts_.size() == 0 && store_.pending_deltas() == 0) return;
  auto targets = pick_random(static_cast<std::size_t>(cfg_.gossip_nodes), kNoSlot, now.mono,
                             true);
  for (std::uint32_t t : targets) {
    const Address& to = addr_of(slots_[t]);
    wire::PacketBuilder packet;  // one part alone, several as a compound
    if (piggyback(cfg_.packet_budget - wire::kCompoundHeader, wire::kMaxCompoundParts,
                  packet) == 0)
      break;
    send_raw(to, Channel::udp, packet.finish(), out);
  }
}

void Engine::push_pull_to(const Address& to, bool join, Outbox& out) {
  send_raw(to, Channel::stream,
           encode_local_state(join, false, store_.encode_request()), out);
}

void Engine::start_reconnect(Clock now, std::uint32_t slot, Outbox& out) {
  // A ping first (not the push-pull itself, as Serf's reconnect would): most dead members are
  // really gone, and a push-pull is the whole member table plus a store digest. A member that
  // acks (the other half of a healed partition, a peer back from a freeze) gets it on_ack.
  const Slot& s = slots_[slot];
  reconnect_ = Reconnect{next_seq_++, addr_of(s), now.mono + scaled(cfg_.probe_interval)};
  // Alone, without piggybacked updates: those would spend transmits on a likely dead peer.
  send_raw(reconnect_.addr, Channel::udp,
           wire::encode(wire::Ping{reconnect_.seq, name_of(s), self_.name, self_.addr}), out);
}

void Engine::send_oversized(Clock now, Outbox& out) {
  if (store_.pending_oversized() == 0) return;
  auto targets = pick_random(static_cast<std::size_t>(cfg_.gossip_nodes), kNoSlot, now.mono,
                             false);
  if (targets.empty()) return;  // kept queued; push-pull carries them anyway
  for (Bytes& batch : store_.take_oversized()) {
    Bytes packet = wire::encode(wire::StateDelta{std::move(batch)});
    for (std::uint32_t t : targets) {
      ++stats_.state_oversized_sent;
      send_raw(addr_of(slots_[t]), Channel::stream, packet, out);
    }
  }
}

std::size_t Engine::piggyback(std::size_t room, std::size_t max_parts,
                              wire::PacketBuilder& packet) {
  if (room == 0 || max_parts == 0) return 0;
  std::size_t parts = 0;
  const int limit = retransmit_limit(cfg_.retransmit_mult, live_count());
  const std::size_t state_reserve = room * static_cast<std::size_t>(cfg_.state_share_percent) / 100;
  std::size_t left = room;
  // Membership first, within its share when state deltas are waiting (all the room otherwise);
  // state then takes its reserved share plus whatever membership left unused.
  const bool state_waiting = store_.pending_deltas() > 0;
  if (broadcasts_.size() > 0) {
    const auto [n, cost] = broadcasts_.take_into(state_waiting ? room - state_reserve : room,
                                                 limit, max_parts, packet);
    parts += n;
    left -= std::min(left, cost);
  }
  constexpr std::size_t kFraming = 3 + wire::kStatePartOverhead;
  if (state_waiting && parts < max_parts && left > kFraming) {
    Bytes batch = store_.take_deltas(left - kFraming, limit);
    if (!batch.empty()) {
      packet.add(wire::encode_part(wire::StateDelta{std::move(batch)}));
      ++parts;
    }
  }
  return parts;
}

void Engine::forget_expired(Clock now, Outbox& out) {
  // Departed members in the order they departed: stop at the first one still remembered.
  for (auto it = departed_.begin(); it != departed_.end();) {
    const auto [since, i] = *it;
    if (now.mono - since < cfg_.reconnect_timeout) break;
    ++it;
    if (i == self_slot_) continue;
    emit(out, EventKind::member_forgotten, i);
    const std::string name = name_of(slots_[i]);
    store_.forget_member(name);  // status/<peer> lives as long as its member
    suspicions_.erase(name);
    drop_slot(i);  // erases its departed_ entry (it is already past)
  }
}

// ---- message handlers ---------------------------------------------------------------------------

void Engine::on_ping(Clock now, const Address& from, Channel ch, const wire::Ping& m,
                     Outbox& out) {
  (void)now;
  if (m.target != self_.name) {
    ++stats_.pings_misdirected;
    return;
  }
  if (ch == Channel::stream) send_reply(from, wire::encode(wire::Ack{m.seq}), out);
  else send_udp(from, wire::encode_part(wire::Ack{m.seq}), out);
}

void Engine::on_indirect_ping(Clock now, const Address& from, const wire::IndirectPing& m,
                              Outbox& out) {
  if (m.target == self_.name) {  // odd but harmless: answer for ourselves
    send_udp(from, wire::encode_part(wire::Ack{m.seq}), out);
    return;
  }
  std::uint32_t seq = next_seq_++;
  relays_[seq] = Relay{from, m.seq, m.nack, now.mono + cfg_.probe_timeout};
  send_udp(m.target_addr, wire::encode_part(wire::Ping{seq, m.target, self_.name, self_.addr}),
           out);
}

void Engine::on_ack(Clock now, const wire::Ack& m, Outbox& out) {
  if (probe_.active && m.seq == probe_.seq) {
    if (cfg_.lifeguard && !probe_.indirect_sent) add_health(-1);
    probe_ = Probe{};
    return;
  }
  auto it = relays_.find(m.seq);
  if (it != relays_.end()) {
    send_udp(it->second.requester, wire::encode_part(wire::Ack{it->second.seq}), out);
    relays_.erase(it);
    return;
  }
  if (reconnect_.seq != 0 && m.seq == reconnect_.seq) {
    const Reconnect r = std::move(reconnect_);
    reconnect_ = Reconnect{};
    // The member we hold dead answered: exchange state so both sides learn what they missed.
    if (now.mono <= r.deadline && !leaving_) push_pull_to(r.addr, false, out);
    return;
  }
  ++stats_.acks_stale;
}

void Engine::on_nack(const wire::Nack& m) {
  if (probe_.active && m.seq == probe_.seq) ++probe_.nacks;
}

std::optional<Bytes> Engine::handle_state_push_pull(Clock now, ByteView encoded) {
  auto reply = store_.handle_push_pull_encoded(now.wall, encoded);
  if (!reply) {
    ++stats_.state_malformed;
    return std::nullopt;
  }
  if (reply->empty()) return std::nullopt;  // the last step: nothing to answer
  return std::move(*reply);
}

void Engine::on_state_delta(Clock now, const wire::StateDeltaView& m) {
  if (store_.merge_encoded(now.wall, m.batch)) ++stats_.state_batches_in;
  else ++stats_.state_malformed;
}

void Engine::on_state_sync(Clock now, const Address& from, const wire::StateSyncView& m,
                           Outbox& out) {
  auto reply = handle_state_push_pull(now, m.message);
  if (reply) send_reply(from, wire::encode(wire::StateSync{std::move(*reply)}), out);
}

void Engine::on_push_pull(Clock now, const Address& from, const wire::PushPullView& m,
                          std::span<const wire::RecordView> records, Outbox& out) {
  // State first (request -> response here; response -> final back to the responder).
  std::optional<Bytes> state_reply;  // encoded
  if (!m.state.empty()) state_reply = handle_state_push_pull(now, m.state);
  if (!m.reply) {
    const Bytes state = state_reply ? std::move(*state_reply) : Bytes{};
    send_reply(from, encode_local_state(false, true, state), out);
  } else if (state_reply) {
    send_reply(from, wire::encode(wire::StateSync{std::move(*state_reply)}), out);
  }
  for (const auto& r : records) {
    const wire::AliveView alive{r.name, r.host, r.port, r.incarnation, r.meta};
    switch (r.state) {
      case MemberState::alive:
        // Most records of a push-pull are members we already hold: alive_node drops those
        // after one name lookup.
        alive_node(now, alive, out, from.host, true);
        break;
      case MemberState::suspect:
      case MemberState::dead:
        // As memberlist: a remote death is only a suspicion here, so the member may refute.
        // A suspect we never heard of is taken in (then suspected); an unknown dead one is not.
        if (find_slot(r.name) == kNoSlot) {
          if (r.state == MemberState::dead) break;
          alive_node(now, alive, out, from.host, true);
        }
        suspect_node(now, wire::Suspect{std::string(r.name), r.incarnation, self_.name}, out);
        break;
      case MemberState::left:
        if (find_slot(r.name) != kNoSlot)
          dead_node(now, wire::Dead{std::string(r.name), r.incarnation, std::string(r.name)}, out);
        break;
    }
  }
  if (m.reply) {
    ++stats_.push_pulls;
    if (!joined_) {
      joined_ = true;
      next_join_retry_ = kNever;
      // Peers that joined at about the same time may have missed each other's announcements:
      // one early catch-up push-pull instead of waiting a whole push_pull_interval. Only in a
      // cluster small enough that push-pulls are not yet scaled down (push_pull_scale): in a
      // large one every member re-gossips each join many times over, and a whole exchange
      // costs O(members) on both sides. There, the first periodic push-pull is rescheduled as
      // start_timers did, with the interval scaled to the membership the join taught us.
      const Micros gap = push_pull_scale(cfg_.push_pull_interval, live_count());
      if (gap == cfg_.push_pull_interval)
        next_push_pull_ = std::min(next_push_pull_,
                                   now.mono + rng_.between(cfg_.probe_interval,
                                                           5 * cfg_.probe_interval));
      else
        next_push_pull_ = now.mono + gap + rng_.between(0, gap - 1);
      Event e;
      e.kind = EventKind::join_succeeded;
      e.addr = from;
      e.incarnation = incarnation_;
      out.events.push_back(std::move(e));
    }
  }
}

void Engine::alive_node(Clock now, const wire::AliveView& a, Outbox& out,
                        std::string_view sender, bool push_pull) {
  if (a.meta.size() > cfg_.max_meta_bytes) {
    ++stats_.meta_too_large;
    return;
  }
  const auto at = [&a] { return Address{std::string(a.host), a.port}; };
  const auto same_addr = [&a](const Address& x) { return x.host == a.host && x.port == a.port; };
  if (a.name == self_.name) {
    if (!same_addr(self_.addr)) {
      ++stats_.name_conflicts;
      Event e{EventKind::name_conflict, std::string(a.name), at(), a.incarnation, {}};
      out.events.push_back(std::move(e));
      return;
    }
    if (leaving_) return;
    if (a.incarnation < incarnation_) return;
    if (a.incarnation == incarnation_ && same_meta(card_of(slots_[self_slot_]), a.meta)) return;
    refute(a.incarnation, false, out);  // the cluster holds an older life of ours: jump above it
    return;
  }
  const std::uint32_t name_id = interner_->names.find(a.name);  // the one name lookup
  const std::uint32_t i = slot_of_name_id(name_id);
  if (i == kNoSlot) {
    if (!sender.empty() && !intake_.allow(now.mono, sender, push_pull)) {
      ++stats_.members_capped;
      return;
    }
    const std::uint32_t card = acquire_card(a);
    if (card == CardTable::kNone) {
      ++stats_.members_invalid;
      return;
    }
    const std::uint32_t n = add_slot(a.name, name_id, card, a.incarnation,
                                     MemberState::alive, now.mono);
    // New members go to a random place among those not yet probed this round (O(1): swapped
    // with the one there), so they are probed soon.
    reserve_gently(probe_order_, probe_order_.size() + 1);
    probe_order_.push_back(n);
    const std::size_t pos = probe_index_ + rng_.below(probe_order_.size() - probe_index_);
    std::swap(probe_order_[pos], probe_order_.back());
    push_alive(n, a.incarnation);
    emit(out, EventKind::member_joined, n);
    return;
  }
  const Slot& m = slots_[i];
  bool reclaim = false;
  if (!interner_->cards.has_addr(m.card, a.host, a.port)) {
    if (is_live(m.state())) {
      ++stats_.name_conflicts;
      Event e{EventKind::name_conflict, std::string(a.name), at(), a.incarnation, {}};
      out.events.push_back(std::move(e));
      return;
    }
    reclaim = true;  // a dead or departed name may come back from a new address
  }
  if (!reclaim && a.incarnation <= m.incarnation) return;
  const MemberState old = m.state();
  const std::uint32_t card = acquire_card(a);
  if (card == CardTable::kNone) {
    ++stats_.members_invalid;
    return;
  }
  const bool updated = card != m.card;  // cards are interned by value
  if (!suspicions_.empty()) suspicions_.erase(std::string(a.name));
  set_incarnation(i, a.incarnation);
  set_slot_card(i, card);
  set_state(i, MemberState::alive, now.mono);
  changed();
  push_alive(i, a.incarnation);
  if (old == MemberState::dead || old == MemberState::left) emit(out, EventKind::member_joined, i);
  else if (old == MemberState::suspect) emit(out, EventKind::member_alive, i);
  else if (updated) emit(out, EventKind::member_updated, i);
}

void Engine::suspect_node(Clock now, const wire::Suspect& s, Outbox& out) {
  const std::uint32_t i = find_slot(s.name);
  if (i == kNoSlot) return;
  Slot& m = slots_[i];
  if (s.incarnation < m.incarnation || !is_live(m.state())) return;
  if (s.name == self_.name) {
    if (!leaving_) refute(s.incarnation, true, out);
    return;
  }
  if (m.state() == MemberState::suspect) {
    auto sit = suspicions_.find(s.name);
    if (sit == suspicions_.end()) return;
    Suspicion& sp = sit->second;
    if (s.from == sp.suspector || sp.confirmations.count(s.from)) return;
    if (static_cast<int>(sp.confirmations.size()) >= sp.k) return;
    sp.confirmations.insert(s.from);
    sp.deadline = sp.start + suspicion_timeout(sp.min, sp.max, sp.k,
                                               static_cast<int>(sp.confirmations.size()));
    broadcasts_.push(i, wire::encode_part(s));  // pass the confirmation on
    return;
  }
  set_incarnation(i, s.incarnation);
  set_state(i, MemberState::suspect, now.mono);
  changed();
  start_suspicion(now, s.name, s.from);
  broadcasts_.push(i, wire::encode_part(s));
  emit(out, EventKind::member_suspect, i, s.from);
}

void Engine::dead_node(Clock now, const wire::Dead& d, Outbox& out) {
  const std::uint32_t i = find_slot(d.name);
  if (i == kNoSlot) return;
  Slot& m = slots_[i];
  if (d.incarnation < m.incarnation || !is_live(m.state())) return;
  if (d.name == self_.name) {
    if (!leaving_) refute(d.incarnation, true, out);
    return;
  }
  const bool left = d.from == d.name;
  set_incarnation(i, d.incarnation);
  suspicions_.erase(d.name);
  set_state(i, left ? MemberState::left : MemberState::dead, now.mono);
  changed();
  broadcasts_.push(i, wire::encode_part(d));
  emit(out, left ? EventKind::member_left : EventKind::member_dead, i, d.from);
}

void Engine::refute(std::uint64_t seen, bool accused, Outbox& out) {
  incarnation_ = std::max(incarnation_, seen) + 1;
  set_incarnation(self_slot_, incarnation_);
  changed();
  broadcast_alive_self();
  if (accused) {
    ++stats_.refutations;
    if (cfg_.lifeguard) add_health(1);  // being suspected hints that we are the slow one
  }
  Event e{EventKind::self_refuted, self_.name, self_.addr, incarnation_, {}};
  out.events.push_back(std::move(e));
}

// ---- helpers ------------------------------------------------------------------------------------

void Engine::start_suspicion(Clock now, const std::string& name, const std::string& from) {
  const std::size_t n = live_count();
  Suspicion s;
  s.suspector = from;
  s.k = suspicion_k(cfg_.suspicion_mult, n);
  s.min = suspicion_min_timeout(cfg_.suspicion_mult, n, cfg_.probe_interval);
  s.max = cfg_.lifeguard ? s.min * cfg_.suspicion_max_mult : s.min;
  s.start = now.mono;
  s.deadline = now.mono + suspicion_timeout(s.min, s.max, s.k, 0);
  suspicions_[name] = std::move(s);
}

void Engine::send_udp(const Address& to, Bytes part, Outbox& out) {
  std::size_t used = wire::kCompoundHeader + wire::compound_overhead(part.size());
  wire::PacketBuilder packet;  // the part alone, or a compound with piggybacked ones
  packet.add(part);
  if (used < cfg_.packet_budget)
    piggyback(cfg_.packet_budget - used, wire::kMaxCompoundParts - 1, packet);
  send_raw(to, Channel::udp, packet.finish(), out);
}

void Engine::send_raw(const Address& to, Channel ch, Bytes bytes, Outbox& out) {
  ++stats_.datagrams_out;
  stats_.bytes_out += bytes.size();
  out.sends.push_back(Datagram{to, ch, std::move(bytes), false});
}

void Engine::send_reply(const Address& to, Bytes bytes, Outbox& out) {
  send_raw(to, Channel::stream, std::move(bytes), out);
  out.sends.back().reply = true;
}

bool Engine::may_answer(Clock now, const Address& from) {
  // Every push-pull and state sync costs a token, replies too: an unasked-for reply carrying a
  // store step is answered as well.
  if (reply_limiter_.allow(now.mono, from.host)) return true;
  ++stats_.push_pulls_limited;
  return false;
}

void Engine::broadcast_alive_self() {
  push_alive(self_slot_, incarnation_);  // our slot's card is (self_.addr, self_.meta)
}

void Engine::set_state(std::uint32_t i, MemberState s, Micros now) {
  Slot& m = slots_[i];
  if (m.state() == s) return;
  const bool was_live = is_live(m.state()), live = is_live(s);
  if (!was_live) departed_.erase({m.state_change(), i});
  members_digest_ -= digest_of(m);
  m.set(s, now);
  members_digest_ += digest_of(m);
  if (!live) departed_.emplace(now, i);
  if (was_live && !live) --live_;
  if (!was_live && live) ++live_;
  changed();
}

void Engine::emit(Outbox& out, EventKind k, std::uint32_t i, std::string from) {
  const Slot& m = slots_[i];
  out.events.push_back(Event{k, name_of(m), addr_of(m), m.incarnation, std::move(from)});
}

Micros Engine::scaled(Micros t) const { return cfg_.lifeguard ? t * (health_ + 1) : t; }

void Engine::add_health(int delta) {
  health_ = std::clamp(health_ + delta, 0, cfg_.awareness_max - 1);
}

std::vector<std::uint32_t> Engine::pick_random(std::size_t k, std::uint32_t exclude, Micros now,
                                               bool include_recent_dead) {
  auto eligible = [&](std::uint32_t i) {
    const Slot& m = slots_[i];
    if (i == self_slot_ || i == exclude || m.name == kFreeSlot) return false;
    return is_live(m.state()) || (include_recent_dead && m.state() == MemberState::dead &&
                                now - m.state_change() < cfg_.gossip_to_the_dead);
  };
  const std::size_t table = slots_.size();
  std::vector<std::uint32_t> pool;
  if (k == 0) return pool;
  // A big table where most slots qualify: draw slots and reject the others (O(k) expected).
  // Few candidates or many misses: fall back to the whole pool.
  if (table > 4 * k + 16 && live_ > table / 2) {
    for (std::size_t tries = 0; pool.size() < k && tries < 8 * k + 32; ++tries) {
      const auto i = static_cast<std::uint32_t>(rng_.below(table));
      if (eligible(i) && std::find(pool.begin(), pool.end(), i) == pool.end()) pool.push_back(i);
    }
    if (pool.size() == k) return pool;
    pool.clear();
  }
  for (std::uint32_t i = 0; i < table; ++i)
    if (eligible(i)) pool.push_back(i);
  // Partial Fisher-Yates: the first k of a random permutation.
  std::size_t n = std::min(k, pool.size());
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t j = i + static_cast<std::size_t>(rng_.below(pool.size() - i));
    std::swap(pool[i], pool[j]);
  }
  pool.resize(n);
  return pool;
}

Bytes Engine::encode_local_state(bool join, bool reply, const Bytes& state) const {
  std::vector<wire::MemberRef> refs;
  refs.reserve(member_count());
  for (const Slot& m : slots_)
    if (m.name != kFreeSlot)
      refs.push_back(wire::MemberRef{&name_of(m), &addr_of(m), m.incarnation, m.state(),
                                     card_of(m).meta_bytes});
  return wire::encode_push_pull(join, reply, refs, state);
}

}  // namespace shoal::gossip
