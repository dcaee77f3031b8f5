// The engine's timers: the next deadline, handle_tick's dispatch to one handler a timer, and what
// each timer does (probes, gossip rounds, push-pulls, retries, reconnects, forgetting).
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
  expire_suspicions(now, out);
  expire_relays(t, out);
  tick_probe(now, out);
  if (t >= next_gossip_) gossip_timer(now, out);
  if (t >= next_cold_start_) cold_start_timer(now);
  if (t >= next_state_sync_) state_sync_timer(t, out);
  if (t >= next_push_pull_) push_pull_timer(now, out);
  if (t >= next_join_retry_) join_retry_timer(t, out);
  if (t >= next_seed_retry_) seed_retry_timer(t, out);
  if (t >= next_reconnect_) reconnect_timer(now, out);
  forget_expired(now, out);
  note_delta_queue(now);
  emit_state_changes(out);
}

// Suspicion timers: suspect -> dead.
void Engine::expire_suspicions(Clock now, Outbox& out) {
  std::vector<std::string> expired;
  for (const auto& [name, s] : suspicions_)
    if (s.deadline <= now.mono) expired.push_back(name);
  for (const auto& name : expired) {
    const std::uint32_t i = find_slot(name);
    if (i == kNoSlot || slots_[i].state() != MemberState::suspect) {
      suspicions_.erase(name);
      continue;
    }
    dead_node(now, wire::Dead{name, slots_[i].incarnation, self_.name}, out);
  }
}

// Relayed indirect pings that got no answer: nack the requester.
void Engine::expire_relays(Micros t, Outbox& out) {
  for (auto it = relays_.begin(); it != relays_.end();) {
    if (it->second.deadline <= t) {
      if (it->second.nack) send_udp(it->second.requester, wire::encode_part(wire::Nack{it->second.seq}), out);
      it = relays_.erase(it);
    } else {
      ++it;
    }
  }
}

// The probe in flight, then the next one.
void Engine::tick_probe(Clock now, Outbox& out) {
  const Micros t = now.mono;
  if (probe_.active && !probe_.indirect_sent && t >= probe_.direct_deadline)
    probe_direct_timeout(now, out);
  if (probe_.active && probe_.indirect_sent && t >= probe_.end_deadline) probe_failed(now, out);
  if (!probe_.active && t >= next_probe_) {
    next_probe_ = t + scaled(cfg_.probe_interval);
    start_probe(now, out);
  }
}

void Engine::gossip_timer(Clock now, Outbox& out) {
  const Micros t = now.mono;
  next_gossip_ = std::max(next_gossip_ + cfg_.gossip_interval, t + 1);
  if (next_gossip_ < t) next_gossip_ = t + cfg_.gossip_interval;
  gossip_round(now, out);
  tree_round(now, out);
  send_oversized(now, out);
}

// Nobody authoritative answered since join(): a whole-cluster cold start.
void Engine::cold_start_timer(Clock now) {
  next_cold_start_ = kNever;
  if (store_.holding_back()) store_.on_cold_start(now.wall);
}

void Engine::state_sync_timer(Micros t, Outbox& out) {
  next_state_sync_ = kNever;
  last_state_sync_ = t;
  auto peers = pick_random(1, kNoSlot, t, false);
  if (!peers.empty())
    send_raw(addr_of(slots_[peers[0]]), Channel::stream,
             wire::encode(wire::StateSync{store_.encode_request()}), out);
}

void Engine::push_pull_timer(Clock now, Outbox& out) {
  const Micros t = now.mono;
  next_push_pull_ = t + push_pull_scale(cfg_.push_pull_interval, live_count());
  store_.collect_garbage(now.wall);  // tombstones past tombstone_ttl
  auto peers = pick_random(1, kNoSlot, t, false);
  if (!peers.empty()) push_pull_to(addr_of(slots_[peers[0]]), false, out);
}

void Engine::join_retry_timer(Micros t, Outbox& out) {
  if (joined_) {
    next_join_retry_ = kNever;
    return;
  }
  next_join_retry_ = t + cfg_.join_retry_interval;
  for (const auto& s : seeds_) push_pull_to(s, true, out);
}

// A seed not seen live gets a push-pull now and then (one picked at random).
void Engine::seed_retry_timer(Micros t, Outbox& out) {
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

// A dead member is tried again now and then (one picked at random).
void Engine::reconnect_timer(Clock now, Outbox& out) {
  next_reconnect_ = now.mono + cfg_.reconnect_interval;
  std::vector<std::uint32_t> dead;
  for (const auto& [since, slot] : departed_)
    if (slots_[slot].state() == MemberState::dead) dead.push_back(slot);
  if (!dead.empty()) start_reconnect(now, dead[rng_.below(dead.size())], out);
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
  note_member_queue(now);
}

void Engine::note_member_queue(Clock now) {
  // About 19 alive records fit a packet: more than a round's packets carry is a backlog.
  const std::size_t round = static_cast<std::size_t>(cfg_.gossip_nodes) * 19;
  if (broadcasts_.size() > round) {
    members_backlogged_ = true;
    return;
  }
  if (!members_backlogged_ || broadcasts_.size() > 0 || leaving_) return;
  members_backlogged_ = false;
  const Micros gap = push_pull_scale(cfg_.push_pull_interval, live_count());
  if (last_member_repair_ != kNever && now.mono - last_member_repair_ < gap) return;
  last_member_repair_ = now.mono;
  next_push_pull_ = std::min(next_push_pull_, now.mono + rng_.between(0, cfg_.probe_interval));
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

}  // namespace shoal::gossip
