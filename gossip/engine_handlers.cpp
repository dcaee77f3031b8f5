// The engine's message handlers (ping, ack, nack, push-pull, state sync and deltas, alive,
// suspect, dead) and the helpers they share.
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
  // The reply to our join teaches us the whole cluster: members the cluster already knows, so
  // re-gossiping them would spend every peer's gossip on old news (a join storm's main volume).
  const bool relay_new = !(m.reply && !joined_);
  for (const auto& r : records) {
    const wire::AliveView alive{r.name, r.host, r.port, r.incarnation, r.meta};
    switch (r.state) {
      case MemberState::alive:
        // Most records of a push-pull are members we already hold: alive_node drops those
        // after one name lookup.
        alive_node(now, alive, out, from.host, true, relay_new);
        break;
      case MemberState::suspect:
      case MemberState::dead:
        // As memberlist: a remote death is only a suspicion here, so the member may refute.
        // A suspect we never heard of is taken in (then suspected); an unknown dead one is not.
        if (find_slot(r.name) == kNoSlot) {
          if (r.state == MemberState::dead) break;
          alive_node(now, alive, out, from.host, true, relay_new);
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
      // large one a whole exchange costs O(members) on both sides, and a join storm's misses
      // are repaired when the storm has passed (note_member_queue). There, the first periodic
      // push-pull is rescheduled as start_timers did, with the interval scaled to the
      // membership the join taught us.
      joined_at_ = now.mono;
      catch_up_armed_ = false;
      const Micros gap = push_pull_scale(cfg_.push_pull_interval, live_count());
      if (gap == cfg_.push_pull_interval) {
        catch_up_armed_ = true;
        next_push_pull_ = std::min(next_push_pull_,
                                   now.mono + rng_.between(cfg_.probe_interval,
                                                           5 * cfg_.probe_interval));
      } else {
        next_push_pull_ = now.mono + gap + rng_.between(0, gap - 1);
      }
      Event e;
      e.kind = EventKind::join_succeeded;
      e.addr = from;
      e.incarnation = incarnation_;
      out.events.push_back(std::move(e));
    }
  }
}

void Engine::alive_node(Clock now, const wire::AliveView& a, Outbox& out,
                        std::string_view sender, bool push_pull, bool relay_new) {
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
    if (relay_new) push_alive(n, a.incarnation);
    if (!push_pull) join_catch_up(now);
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

void Engine::join_catch_up(Clock now) {
  // A member new to us by gossip within 5 probe intervals of our join: others were joining
  // meanwhile, and what they announced before they knew of us may have missed us (a larger
  // cluster has no early catch-up). One push-pull once their announcements have spread.
  if (joined_at_ == kNever || catch_up_armed_ || now.mono - joined_at_ > 5 * cfg_.probe_interval)
    return;
  catch_up_armed_ = true;
  next_push_pull_ = std::min(next_push_pull_, now.mono + rng_.between(5 * cfg_.probe_interval,
                                                                      10 * cfg_.probe_interval));
}

void Engine::suspect_node(Clock now, const wire::Suspect& s, Outbox& out) {
  const std::uint32_t i = find_slot(s.name);
  if (i == kNoSlot) return;
  Slot& m = slots_[i];
  if (s.name == self_.name && s.incarnation < incarnation_) {
    answer_stale_claim(now, s.from, out);
    return;
  }
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
    // Late confirmations can shorten the timeout to before now: due now, not overdue (an
    // overdue deadline reads as a stall of ours in handle_tick).
    sp.deadline = std::max(now.mono,
                           sp.start + suspicion_timeout(sp.min, sp.max, sp.k,
                                                        static_cast<int>(sp.confirmations.size())));
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
  if (d.name == self_.name && d.incarnation < incarnation_) {
    answer_stale_claim(now, d.from, out);
    return;
  }
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

void Engine::answer_stale_claim(Clock now, const std::string& claimant, Outbox& out) {
  if (leaving_ || claimant == self_.name) return;  // a push-pull's records name us as the claimant
  const std::uint32_t c = find_slot(claimant);
  if (c == kNoSlot || !is_live(slots_[c].state())) return;
  if (!once_per_probe(stale_answered_, claimant, now.mono)) return;
  ++stats_.stale_claims_answered;
  const Card& self = card_of(slots_[self_slot_]);
  Bytes part;
  wire::append_alive_part(self_.name, self.addr, incarnation_, self.meta_bytes, part);
  send_udp(addr_of(slots_[c]), std::move(part), out);
}

// ---- helpers ------------------------------------------------------------------------------------

bool Engine::once_per_probe(std::map<std::string, Micros>& sent, const std::string& name,
                            Micros now) {
  constexpr std::size_t kMaxRemembered = 256;  // bounds the map; forgetting costs one more send
  if (sent.size() >= kMaxRemembered) sent.clear();
  auto [at, fresh] = sent.try_emplace(name, now);
  if (fresh) return true;
  if (now - at->second < cfg_.probe_interval) return false;
  at->second = now;
  return true;
}

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
  if (m.state() == MemberState::dead) index_dead(i, false);
  members_digest_ -= digest_of(m);
  legacy_live_ -= legacy(m);
  m.set(s, now);
  members_digest_ += digest_of(m);
  legacy_live_ += legacy(m);
  if (!live) departed_.emplace(now, i);
  if (s == MemberState::dead) index_dead(i, true);
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
