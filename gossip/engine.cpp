// The engine's state and its entry points: the member table, join/leave/metadata, packets in,
// the replicated state's reads and writes, the view hash.
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

Engine::Engine(Identity self, Config cfg, std::uint64_t seed, std::shared_ptr<Interner> interner)
    : self_(std::move(self)), cfg_(std::move(cfg)), rng_(seed),
      incarnation_(self_.incarnation + 1),
      interner_(interner ? std::move(interner) : std::make_shared<Interner>()),
      broadcasts_(interner_.get()), store_(self_.name, store_config(cfg_)),
      reply_limiter_(cfg_.push_pull_reply_burst, cfg_.push_pull_reply_interval) {
  self_.meta.tree_broadcast = cfg_.tree_broadcast;
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
  legacy_live_ += legacy(s);
  changed();
  return i;
}

void Engine::drop_slot(std::uint32_t i) {
  Slot& s = slots_[i];
  legacy_live_ -= legacy(s);
  if (is_live(s.state())) --live_;
  else departed_.erase({s.state_change(), i});
  if (s.state() == MemberState::dead) index_dead(i, false);
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
  legacy_live_ -= legacy(s);
  const bool dead = s.state() == MemberState::dead;
  if (dead) index_dead(i, false);
  interner_->cards.release(s.card);
  s.card = card;
  if (dead) index_dead(i, true);
  members_digest_ += digest_of(s);
  legacy_live_ += legacy(s);
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
  Meta said = meta;
  said.tree_broadcast = cfg_.tree_broadcast;
  if (wire::meta_size(said) > cfg_.max_meta_bytes) return false;
  self_.meta = said;
  ++incarnation_;
  set_slot_card(self_slot_, interner_->cards.acquire(self_.addr, said));
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
          } else if constexpr (std::is_same_v<T, wire::TreeView>) {
            on_tree(now, m, std::span<const wire::TreeIdView>(packet.tree_ids).subspan(m.first, m.count), out);
          }
        },
        msg);
  }
  // After the messages: one of them may have been the sender's own refutation.
  if (channel == Channel::udp && !dead_at_.empty()) tell_dead_sender(now, from, out);
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

}  // namespace shoal::gossip
